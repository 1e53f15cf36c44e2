import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Check } from '../../src/checks/index.js';
import { createRecordingLogger } from '../kit/recording-gate-logger.js';
import { newRunToken, runGate } from '../../src/gate/run-gate.js';
import { parseGateSettings, SettingsError, type GateSettings } from '../../src/gate/settings.js';
import type { CheckId, CheckResult, GateReport } from '../../src/report/model.js';
import { renderMarkdown } from '../../src/report/markdown-renderer.js';
import { publishReport } from '../../src/report/publish-report.js';
import { renderTerminal } from '../../src/report/terminal-renderer.js';
import { decideExit, decideVerdict } from '../../src/report/verdict.js';
import type { BootResult, ServiceStatus } from '../../src/stage/driver.js';
import { findFreePort } from '../../src/stage/local/process.js';
import { startFakeStage } from '../fixtures/fake-stage.js';
import { FakeDriver } from './fake-driver.js';

const base = parseGateSettings({ driver: 'external', baseUrl: 'http://127.0.0.1:9', language: 'en' });
const settings = (overrides: Partial<GateSettings> = {}): GateSettings => ({ ...base, ...overrides });

const passing =
  (id: CheckId): Check =>
  async () => ({ id, status: 'pass', reason: `${id} ok`, evidence: [], durationMs: 0 });
const allPassing = {
  'load-balancing': passing('load-balancing'),
  'plan-cache-single-flight': passing('plan-cache-single-flight'),
  'private-isolation': passing('private-isolation'),
  'narrator-saturation': passing('narrator-saturation'),
  'chat-capacity': passing('chat-capacity'),
};
const statuses = (report: GateReport) =>
  Object.fromEntries(report.checks.map((check) => [check.id, check.status]));

test('a healthy run: every check in order, verdict ready, phases timed, teardown once, spec from the settings', async () => {
  const driver = new FakeDriver();
  const report = await runGate(settings({ replicas: 4, narratorMaxConcurrency: 2 }), {
    driver,
    checks: allPassing,
    skipPreflight: true,
    stageEnv: { X: '1' },
  });
  assert.equal(report.verdict, 'ready');
  assert.deepEqual(
    report.checks.map((check) => check.id),
    [
      'stage-up',
      'load-balancing',
      'plan-cache-single-flight',
      'private-isolation',
      'narrator-saturation',
      'chat-capacity',
    ],
  );
  assert.equal(report.checks[0]!.status, 'pass', report.checks[0]!.reason);
  assert.deepEqual(
    report.phases.map((phase) => phase.name),
    [
      'boot',
      'stage-up',
      'load-balancing',
      'plan-cache-single-flight',
      'private-isolation',
      'narrator-saturation',
      'chat-capacity',
      'teardown',
    ],
  );
  assert.deepEqual(driver.calls.filter((call) => call.startsWith('teardown(')).length, 1);
  assert.deepEqual(driver.bootSpec, {
    replicas: 4,
    narratorMaxConcurrency: 2,
    bootTimeoutMs: 300_000,
    env: { X: '1' },
  });
  assert.equal(decideExit(report, 'fail').exitCode, 0);
});

test('a boot failure: stage-up fails with the reason, the rest is skipped, verdict boot-failed, teardown still runs', async () => {
  const driver = new FakeDriver({
    boot: { ok: false, reason: 'gateway exited (code 1)', services: [], durationMs: 3 },
  });
  const report = await runGate(settings(), { driver, checks: allPassing, skipPreflight: true });
  assert.equal(report.verdict, 'boot-failed');
  assert.equal(report.checks[0]!.status, 'fail');
  assert.match(report.checks[0]!.reason, /gateway exited \(code 1\)/);
  assert.ok(
    report.checks
      .slice(1)
      .every((check) => check.status === 'skipped' && /could not be booted/.test(check.reason)),
  );
  assert.ok(driver.calls.includes('teardown done'));
  assert.deepEqual(decideExit(report, 'fail'), {
    failed: true,
    exitCode: 1,
    message: 'the stage could not be booted',
  });
  assert.equal(decideExit(report, 'never').exitCode, 0);
});

test('a boot failure is reported through stage-up even when stage-up is not selected', async () => {
  const driver = new FakeDriver({ boot: { ok: false, reason: 'redis exited', services: [], durationMs: 3 } });
  const report = await runGate(settings({ checks: ['load-balancing'] }), {
    driver,
    checks: allPassing,
    skipPreflight: true,
  });
  assert.equal(report.verdict, 'boot-failed');
  assert.equal(report.checks[0]!.status, 'fail');
  assert.match(report.checks[0]!.reason, /redis exited/);
});

/** A gateway whose /healthz answers 200 (`ok`) or 503 (`down`). */
function gatewayAnswering(healthz: 'ok' | 'down') {
  return startFakeStage({ healthz, closeConnections: true });
}

const partlyUpRows: ServiceStatus[] = [
  { service: 'api', name: 'api-1', state: 'running', health: 'healthy' },
  { service: 'api', name: 'api-2', state: 'running', health: 'unhealthy' },
  { service: 'api', name: 'api-3', state: 'running', health: 'healthy' },
  { service: 'gateway', name: 'gateway', state: 'running', health: 'healthy' },
];
const partialBoot: BootResult = {
  ok: false,
  partial: true,
  reason: '2 of 3 api replicas healthy (api-1, api-3), the gateway serving over them; api-2 was not healthy',
  services: partlyUpRows,
  durationMs: 8000,
};

test('a partly booted stage whose gateway serves is checked: stage-up ❌ with the boot reason, the others run, not-ready', async (t) => {
  const gateway = await gatewayAnswering('ok');
  t.after(() => gateway.close());
  const driver = new FakeDriver({ boot: partialBoot, services: partlyUpRows });
  driver.baseUrl = gateway.baseUrl;
  const logger = createRecordingLogger();
  const report = await runGate(settings({ replicas: 3, requiredServices: [] }), {
    driver,
    logger,
    checks: allPassing,
    skipPreflight: true,
  });
  assert.equal(report.verdict, 'not-ready');
  assert.deepEqual(statuses(report), {
    'stage-up': 'fail',
    'load-balancing': 'pass',
    'plan-cache-single-flight': 'pass',
    'private-isolation': 'pass',
    'narrator-saturation': 'pass',
    'chat-capacity': 'pass',
  });
  assert.equal(
    report.checks[0]!.reason,
    'boot incomplete when it ended: 2 of 3 api replicas healthy (api-1, api-3), the gateway serving over them; api-2 was not healthy; read after the boot: api: 2/3 replicas running and healthy (api-2 running/unhealthy)',
  );
  assert.equal(gateway.requests, 1, 'one probe of the gateway');
  assert.ok(logger.lines.some((line) => /partly booted, but the gateway answers \(.*HTTP 200\)/.test(line)));
  assert.ok(driver.calls.includes('teardown done'));
  assert.deepEqual(decideExit(report, 'fail'), {
    failed: true,
    exitCode: 1,
    message: 'failed checks: stage-up',
  });
  // An ordinary failed check in every rendering and language: never "could not be booted".
  for (const language of ['en', 'pt-BR'] as const) {
    const localized = { ...report, language };
    for (const text of [renderMarkdown(localized), renderTerminal(localized, { color: false })]) {
      assert.doesNotMatch(text, /could not be booted|não pôde ser iniciado/);
      assert.match(
        text,
        language === 'en'
          ? /not ready.*1 check failed \(stage-up\)/
          : /não pronto.*1 verificação falhou \(stage-up\)/,
      );
    }
  }
});

test('a partly booted stage whose gateway does not serve is still boot-failed, at once, saying what the gateway answered', async (t) => {
  const gateway = await gatewayAnswering('down');
  t.after(() => gateway.close());
  const driver = new FakeDriver({ boot: partialBoot, services: partlyUpRows });
  driver.baseUrl = gateway.baseUrl;
  const started = Date.now();
  const report = await runGate(settings(), { driver, checks: allPassing, skipPreflight: true });
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  assert.equal(report.verdict, 'boot-failed');
  assert.match(
    report.checks[0]!.reason,
    /could not be booted: 2 of 3 api replicas healthy .*; the gateway did not answer GET \/healthz with a 2xx \(http:\/\/127\.0\.0\.1:\d+\/healthz: HTTP 503\)$/,
  );
  assert.ok(report.checks.slice(1).every((check) => check.status === 'skipped'));
  assert.ok(driver.calls.includes('teardown done'));

  // Nothing listening where the gateway should be: the same, within the probe's bound.
  const gone = new FakeDriver({ boot: partialBoot });
  gone.baseUrl = `http://127.0.0.1:${await findFreePort()}`;
  const refused = await runGate(settings(), { driver: gone, checks: allPassing, skipPreflight: true });
  assert.equal(refused.verdict, 'boot-failed');
  assert.match(
    refused.checks[0]!.reason,
    /did not answer GET \/healthz with a 2xx \(.*connection refused\)$/,
  );
  assert.ok(gone.calls.includes('teardown done'));
});

test('a boot that throws is a boot failure, not a crash of the gate', async () => {
  const driver = new FakeDriver({
    boot: async () => {
      throw new Error('docker: command not found');
    },
  });
  const report = await runGate(settings(), { driver, checks: allPassing, skipPreflight: true });
  assert.equal(report.verdict, 'boot-failed');
  assert.match(report.checks[0]!.reason, /docker: command not found/);
});

test('a crashing check fails alone; the others still run', async () => {
  const driver = new FakeDriver();
  const report = await runGate(settings(), {
    driver,
    skipPreflight: true,
    checks: {
      ...allPassing,
      'plan-cache-single-flight': async () => {
        throw new Error('boom');
      },
    },
  });
  assert.equal(report.verdict, 'not-ready');
  assert.deepEqual(statuses(report), {
    'stage-up': 'pass',
    'load-balancing': 'pass',
    'plan-cache-single-flight': 'fail',
    'private-isolation': 'pass',
    'narrator-saturation': 'pass',
    'chat-capacity': 'pass',
  });
  assert.match(report.checks[2]!.reason, /stopped with an error: boom/);
});

test('a check that never ends is cut at the global deadline; later checks are skipped; the teardown still runs', async () => {
  const driver = new FakeDriver();
  const logger = createRecordingLogger();
  const started = Date.now();
  const report = await runGate(settings({ globalDeadlineSeconds: 7 }), {
    driver,
    logger,
    skipPreflight: true,
    checks: { ...allPassing, 'private-isolation': () => new Promise<CheckResult>(() => undefined) },
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 7000, `within the deadline (took ${elapsed} ms)`);
  assert.equal(statuses(report)['private-isolation'], 'fail');
  assert.match(report.checks[3]!.reason, /global deadline of 7 s reached during this check/);
  assert.equal(statuses(report)['narrator-saturation'], 'skipped');
  assert.match(report.checks[4]!.reason, /before this check/);
  assert.ok(driver.calls.includes('teardown done'));
  assert.equal(report.verdict, 'not-ready');
});

test('a teardown that hangs is bounded by the reserve', async () => {
  const driver = new FakeDriver({ teardownMs: 60_000 });
  const logger = createRecordingLogger();
  const started = Date.now();
  await runGate(settings({ globalDeadlineSeconds: 30 }), {
    driver,
    logger,
    checks: allPassing,
    skipPreflight: true,
  });
  assert.ok(Date.now() - started < 10_000);
  assert.ok(
    logger.lines.some((line) => /teardown did not finish within 5 s/.test(line)),
    logger.lines.join('\n'),
  );
});

test('keep-stage skips the teardown; unselected checks are reported as not selected', async () => {
  const driver = new FakeDriver();
  const report = await runGate(settings({ keepStage: true, checks: ['stage-up', 'load-balancing'] }), {
    driver,
    checks: allPassing,
    skipPreflight: true,
  });
  assert.ok(!driver.calls.some((call) => call.startsWith('teardown')));
  assert.equal(statuses(report)['narrator-saturation'], 'skipped');
  assert.match(report.checks[4]!.reason, /not selected/);
  assert.equal(report.verdict, 'ready');
});

test('fail-on decides the verdict and the exit for warnings', async () => {
  const warnChecks = {
    ...allPassing,
    'load-balancing': (async () => ({
      id: 'load-balancing',
      status: 'warn',
      reason: 'only 2/3',
      evidence: [],
      durationMs: 0,
    })) as Check,
  };
  const lenient = await runGate(settings(), {
    driver: new FakeDriver(),
    checks: warnChecks,
    skipPreflight: true,
  });
  assert.equal(lenient.verdict, 'ready');
  assert.equal(decideExit(lenient, 'fail').exitCode, 0);
  assert.equal(decideExit(lenient, 'warn').exitCode, 1);
  const strict = await runGate(settings({ failOn: 'warn' }), {
    driver: new FakeDriver(),
    checks: warnChecks,
    skipPreflight: true,
  });
  assert.equal(strict.verdict, 'not-ready');
  assert.equal(decideVerdict(strict.checks, true, 'fail'), 'ready');
});

test('runGate only returns the report; publishReport writes the JSON where asked', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gate-json-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'nested', 'report.json');
  const report = await runGate(settings({ jsonReport: path }), {
    driver: new FakeDriver(),
    checks: allPassing,
    skipPreflight: true,
  });
  assert.equal(existsSync(path), false, 'runGate writes no file');
  await publishReport(report, { secrets: [], jsonPath: path, logger: createRecordingLogger() });
  const written = JSON.parse(readFileSync(path, 'utf8')) as GateReport;
  assert.equal(written.verdict, report.verdict);
  assert.equal(written.checks.length, 6);
});

test('preflight: a missing compose file or an unreachable base URL fails before anything boots, naming the option', async () => {
  const composeDriver = new FakeDriver();
  await assert.rejects(
    runGate(parseGateSettings({ driver: 'compose', composeFile: 'no/such/compose.yaml' }), {
      driver: composeDriver,
    }),
    (error: unknown) =>
      error instanceof SettingsError &&
      /^Invalid compose-file 'no\/such\/compose.yaml': no such file/.test(error.message),
  );
  assert.deepEqual(composeDriver.calls, []);
  const port = await findFreePort();
  const externalDriver = new FakeDriver();
  await assert.rejects(
    runGate(parseGateSettings({ driver: 'external', baseUrl: `http://127.0.0.1:${port}` }), {
      driver: externalDriver,
    }),
    (error: unknown) =>
      error instanceof SettingsError &&
      error.option === 'base-url' &&
      /nothing answers there \(connection refused\)/.test(error.message),
  );
  assert.deepEqual(externalDriver.calls, []);
});

test('run tokens are unique and can never read as a fund ticker', () => {
  const tokens = new Set(Array.from({ length: 200 }, () => newRunToken()));
  assert.equal(tokens.size, 200);
  for (const token of tokens) assert.match(token, /^[2-9][a-z2-9]{7}$/);
});

test('each phase folds: boot, every check that runs, teardown; a result line follows its fold; skipped checks open none', async () => {
  const logger = createRecordingLogger();
  await runGate(settings({ checks: ['stage-up', 'plan-cache-single-flight'] }), {
    driver: new FakeDriver(),
    checks: allPassing,
    skipPreflight: true,
    logger,
  });
  const folds = logger.lines.filter((line) => line.startsWith('group: ')).map((line) => line.slice(7));
  assert.deepEqual(folds, ['boot', 'check stage-up', 'check plan-cache-single-flight', 'teardown']);
  assert.equal(logger.lines.filter((line) => line === 'endgroup').length, folds.length);
  // Groups never nest, and each check's result comes right after its own fold closes.
  let depth = 0;
  for (const line of logger.lines) {
    if (line.startsWith('group: ')) depth++;
    if (line === 'endgroup') depth--;
    assert.ok(depth === 0 || depth === 1, 'no group inside a group');
  }
  for (const id of ['stage-up', 'plan-cache-single-flight']) {
    const open = logger.lines.indexOf(`group: check ${id}`);
    const close = logger.lines.indexOf('endgroup', open);
    assert.match(logger.lines[close + 1]!, new RegExp(`^info: ✅ ${id}: `));
  }
  assert.ok(!logger.lines.some((line) => line.startsWith('group: service logs')), 'all passed: no logs');
});

test("a check that does not pass: the newest lines of each service's log, capped, in the log and the report", async () => {
  const long = 'y'.repeat(5000);
  const logs = async (service: string, maxLines: number): Promise<string[] | undefined> => {
    if (service === 'redis') throw new Error('permission denied');
    if (service === 'grafana') return undefined;
    return Array.from({ length: Math.min(maxLines, 1000) }, (_, index) => `${service} line ${index} ${long}`);
  };
  const services: ServiceStatus[] = ['api', 'gateway', 'redis', 'grafana'].map((service) => ({
    service,
    name: service,
    state: 'running',
    health: 'healthy',
  }));
  const logger = createRecordingLogger();
  const report = await runGate(settings({ checks: ['stage-up', 'load-balancing'] }), {
    driver: new FakeDriver({ services, logs }),
    checks: {
      'load-balancing': async () => ({
        id: 'load-balancing',
        status: 'warn',
        reason: 'r',
        evidence: [],
        durationMs: 0,
      }),
    },
    skipPreflight: true,
    logger,
  });
  assert.ok(report.serviceLogs);
  assert.equal(report.serviceLogs.linesPerService, 40);
  assert.deepEqual(
    report.serviceLogs.services.map((entry) => [entry.service, entry.lines.length, entry.error]),
    [
      ['api', 40, undefined],
      ['gateway', 40, undefined],
      ['redis', 0, 'permission denied'],
    ],
    'a driver without logs for a service leaves it out; an unreadable one says why',
  );
  for (const entry of report.serviceLogs.services)
    for (const line of entry.lines) assert.ok(line.length <= 300, 'each line is cut');
  assert.match(report.serviceLogs.services[0]!.lines[0]!, /^api line 0 y+…$/);
  const open = logger.lines.indexOf('group: service logs (last 40 lines per service)');
  assert.ok(open > logger.lines.indexOf('info: ⚠️ load-balancing: r'), 'after the checks');
  assert.ok(open < logger.lines.indexOf('group: teardown'), 'before the teardown removes them');
  assert.ok(logger.lines.some((line) => line.startsWith('warn: redis: log unreadable: permission denied')));
  const markdown = renderMarkdown(report);
  assert.match(markdown, /<summary>📜 Service logs &#40;last 40 lines of each&#41;<\/summary>/);
});

test('reading the log tails is bounded: a driver whose logs() hangs cannot hold the run', async () => {
  const { collectServiceLogTails } = await import('../../src/gate/service-logs.js');
  const driver = new FakeDriver({ logs: () => new Promise(() => undefined) });
  const started = Date.now();
  const tails = await collectServiceLogTails(driver, createRecordingLogger(), { timeoutMs: 300 });
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual(tails?.services, [
    { service: 'gateway', lines: [], error: 'reading the log took too long' },
  ]);
});
