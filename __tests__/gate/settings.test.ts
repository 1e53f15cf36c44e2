import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GATE_OPTIONS,
  GateSettingsSchema,
  parseGateSettings,
  SettingsError,
} from '../../src/gate/settings.js';
import { CHECK_IDS } from '../../src/report/model.js';
import { METRICS, REPLICA_HEADER } from '../../src/contract/index.js';

function errorOf(input: Record<string, unknown>): SettingsError {
  try {
    parseGateSettings(input);
  } catch (error) {
    assert.ok(error instanceof SettingsError, `expected a SettingsError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(input)} to be refused`);
}

test('defaults match the issue and the contract', () => {
  const settings = parseGateSettings();
  assert.equal(settings.driver, 'compose');
  assert.equal(settings.replicas, 3);
  assert.equal(settings.healthzRequests, 20);
  assert.equal(settings.singleFlightBurst, 20);
  assert.equal(settings.narratorBurst, 10);
  assert.equal(settings.narratorMaxConcurrency, 1);
  assert.deepEqual(settings.checks, [...CHECK_IDS]);
  assert.deepEqual(settings.requiredServices, ['redis', 'ollama', 'prometheus', 'grafana', 'tempo']);
  // No default URL: the compose driver discovers it from the port the gateway publishes.
  assert.equal(settings.baseUrl, undefined);
  assert.equal(settings.replicaHeader, REPLICA_HEADER);
  assert.equal(settings.heavyExecutionsMetric, METRICS.heavyExecutions);
  assert.equal(settings.narratorRequestsMetric, METRICS.narratorLlmRequests);
  assert.equal(settings.cacheHitPath, 'meta.compute.plan_cache_hit');
  assert.equal(settings.language, 'pt-BR');
  assert.equal(settings.failOn, 'fail');
  assert.equal(settings.keepStage, false);
  assert.equal(settings.build, true);
  assert.equal(settings.logDir, undefined);
});

test('strings as an action input or CLI flag carries them are parsed; blank means default', () => {
  const settings = parseGateSettings({
    driver: 'local',
    replicas: ' 5 ',
    build: 'false',
    keepStage: 'true',
    checks: 'narrator-saturation, stage-up,stage-up',
    llmQuestions: 'Explique A, por favor\nExplique B\n\n',
    language: 'en',
    narratorBurst: '',
  });
  assert.equal(settings.replicas, 5);
  assert.equal(settings.build, false);
  assert.equal(settings.keepStage, true);
  assert.deepEqual(settings.checks, ['stage-up', 'narrator-saturation'], 'canonical order, no duplicates');
  assert.deepEqual(settings.llmQuestions, ['Explique A, por favor', 'Explique B']);
  assert.equal(settings.narratorBurst, 10);
  assert.equal(settings.baseUrl, undefined, 'the local driver picks its own port');
  assert.deepEqual(parseGateSettings({ checks: 'all' }).checks, [...CHECK_IDS]);
});

test('bad values are refused with a message naming the option and the expected form', () => {
  assert.match(
    errorOf({ replicas: '-1' }).message,
    /^Invalid replicas '-1': expected a whole number from 1 to 20\.$/,
  );
  assert.match(errorOf({ replicas: 21 }).message, /replicas '21'/);
  assert.match(errorOf({ singleFlightBurst: '100000' }).message, /single-flight-burst .*from 2 to 1000/);
  assert.match(errorOf({ healthzRequests: 'lots' }).message, /healthz-requests 'lots'/);
  assert.match(errorOf({ build: 'maybe' }).message, /Invalid build 'maybe': expected true or false/);
  assert.match(errorOf({ driver: 'kubernetes' }).message, /driver 'kubernetes'.*compose, local, external/);
  const unknownCheck = errorOf({ checks: 'stage-up,load-balance' });
  assert.equal(unknownCheck.option, 'checks');
  assert.match(unknownCheck.message, /unknown check 'load-balance'; valid checks: stage-up, load-balancing/);
  assert.match(errorOf({ driver: 'external' }).message, /base-url.*required when driver is external/);
  assert.match(errorOf({ baseUrl: 'ftp://x' }).message, /base-url 'ftp:\/\/x': expected an http\(s\) URL/);
  assert.match(
    errorOf({ llmQuestions: 'Explique A\nexplique a' }).message,
    /llm-questions.*duplicate question/,
  );
  assert.match(errorOf({ clientA: 'x', clientB: 'x' }).message, /client-b.*must differ from client-a/);
  assert.match(errorOf({ clientA: 'a b' }).message, /client-a 'a b'/);
  assert.match(errorOf({ clientA: 'a{b}' }).message, /client-a 'a\{b\}'/);
  assert.equal(parseGateSettings({ clientA: 'gate-a-{run}' }).clientA, 'gate-a-{run}');
  assert.match(
    errorOf({ bootTimeoutSeconds: 600, globalDeadlineSeconds: 300 }).message,
    /global-deadline-seconds/,
  );
  assert.match(errorOf({ heavyExecutionsMetric: 'bad-name' }).message, /heavy-executions-metric/);
  assert.match(errorOf({ cacheHitPath: 'meta..x' }).message, /cache-hit-path/);
  assert.match(errorOf({ replicass: 3 }).message, /Unknown option 'replicass'/);
});

test('the option table covers exactly the schema, and each documented default is the parsed default', () => {
  const schemaKeys = Object.keys(GateSettingsSchema.def.shape ?? {}).sort();
  const documented = GATE_OPTIONS.map((entry) => entry.name).sort();
  assert.deepEqual(documented, schemaKeys);
  const defaults = parseGateSettings();
  for (const entry of GATE_OPTIONS) {
    if (entry.defaultText === '') continue;
    const fromText = parseGateSettings({ [entry.name]: entry.defaultText });
    assert.deepEqual(fromText[entry.name], defaults[entry.name], `default of ${entry.kebab}`);
  }
  assert.ok(GATE_OPTIONS.every((entry) => /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(entry.kebab)));
});
