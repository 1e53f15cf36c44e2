/**
 * Discovery and the static preflight of a user's compose file, on what `docker compose config --format
 * json` printed for each fixture (committed beside it; compose-config.itg.test.ts checks that the live
 * `docker compose config` still prints what gives the same findings). Each preflight finding has a file
 * with that one defect, and names the line to change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineLocator, parseComposeConfig } from '../../../src/stage/compose/compose-config.js';
import {
  checkNames,
  discoverBaseUrl,
  discoverPrometheusUrl,
  preflightFindings,
  requiredServicesOf,
  type StageNames,
} from '../../../src/stage/compose/compose-discovery.js';
import { ComposeOutputError } from '../../../src/stage/compose/compose-ps.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'own-stage');

export function loadFixture(name: string) {
  return {
    config: parseComposeConfig(readFileSync(join(FIXTURES, `${name}.config.json`), 'utf8')),
    locate: lineLocator(readFileSync(join(FIXTURES, `${name}.yaml`), 'utf8')),
  };
}

export const OWN_NAMES = (file: string): StageNames => ({
  file,
  apiService: 'backend',
  gatewayService: 'proxy',
  services: [],
});

export function findingsOf(name: string, replicas = 3) {
  const { config, locate } = loadFixture(name);
  return preflightFindings(config, OWN_NAMES(`${name}.yaml`), locate, {
    replicas,
    baseUrlSet: false,
    prometheusSet: false,
  });
}

test('a clean file: no finding, and base-url and the Prometheus URL are discovered from their ports', () => {
  assert.deepEqual(findingsOf('clean'), []);
  const { config } = loadFixture('clean');
  assert.equal(config.name, 'own-stage-clean');
  assert.deepEqual(discoverBaseUrl(config, 'proxy'), {
    option: 'base-url',
    value: 'http://127.0.0.1:18000',
    origin: 'discovered',
    how: 'port 127.0.0.1:18000:80 published by `proxy`',
  });
  assert.equal(discoverPrometheusUrl(config)?.value, 'http://127.0.0.1:19090');
});

test('an unknown api-service lists the services of the file and names the option', () => {
  const { config } = loadFixture('clean');
  const problems = checkNames(config, {
    ...OWN_NAMES('clean.yaml'),
    apiService: 'api',
    gatewayService: 'gateway',
  });
  assert.deepEqual(problems, [
    'no service `api` in clean.yaml; set `api-service` to one of: backend, prometheus, proxy, redis',
    'no service `gateway` in clean.yaml; set `gateway-service` to one of: backend, prometheus, proxy, redis',
  ]);
  assert.deepEqual(checkNames(config, OWN_NAMES('clean.yaml')), []);
  assert.match(
    checkNames(config, { ...OWN_NAMES('clean.yaml'), requiredServices: ['redis', 'ollama'] })[0]!,
    /required service `ollama` not in clean\.yaml; set `required-services` to services of the file \(backend, prometheus, proxy, redis\)/,
  );
});

test('required services: every other service of the file, and the reference ones it lacks are "not in this stage"', () => {
  const { config } = loadFixture('clean');
  assert.deepEqual(
    requiredServicesOf(config, OWN_NAMES('clean.yaml'), [
      'redis',
      'ollama',
      'prometheus',
      'grafana',
      'tempo',
    ]),
    { required: ['prometheus', 'redis'], notInStage: ['ollama', 'grafana', 'tempo'] },
  );
  assert.deepEqual(
    requiredServicesOf(config, { ...OWN_NAMES('clean.yaml'), requiredServices: ['redis'] }, ['ollama']),
    { required: ['redis'], notInStage: [] },
  );
});

test('preflight: a fixed container_name on the api keeps it from scaling (an error with replicas > 1)', () => {
  const [finding, ...rest] = findingsOf('api-container-name');
  assert.deepEqual(rest, []);
  assert.equal(finding!.severity, 'error');
  assert.equal(
    finding!.message,
    'api-container-name.yaml:6: service `backend` sets container_name "chat-backend": only one container can have that name, so --scale backend=3 cannot run; remove container_name',
  );
  assert.equal(findingsOf('api-container-name', 1)[0]!.severity, 'warning');
});

test('preflight: a fixed host port on the api keeps a second replica from binding it', () => {
  const findings = findingsOf('api-fixed-port');
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.severity, 'error');
  assert.match(
    findings[0]!.message,
    /^api-fixed-port\.yaml:8: service `backend` publishes the fixed host port :?8080:8080: a second replica cannot bind it/,
  );
});

test('preflight: NARRATOR_MAX_CONCURRENCY not reaching the api is said, with the line of its environment', () => {
  const findings = findingsOf('narrator-not-passed');
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.severity, 'warning');
  assert.equal(
    findings[0]!.message,
    'narrator-not-passed.yaml:7: NARRATOR_MAX_CONCURRENCY does not reach service `backend`\'s environment (it is "4" whatever the gate passes), so narrator-max-concurrency has no effect; add `NARRATOR_MAX_CONCURRENCY: ${NARRATOR_MAX_CONCURRENCY}` under its environment',
  );
});

test('preflight: a gateway publishing no port is an error, unless base-url is set', () => {
  const findings = findingsOf('gateway-no-port');
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.severity, 'error');
  assert.match(
    findings[0]!.message,
    /^gateway-no-port\.yaml:8: gateway service `proxy` publishes no port, so the gate cannot reach it from the host; add ports: .* or set `base-url`$/,
  );
  const { config, locate } = loadFixture('gateway-no-port');
  assert.equal(discoverBaseUrl(config, 'proxy'), undefined);
  assert.deepEqual(
    preflightFindings(config, OWN_NAMES('gateway-no-port.yaml'), locate, {
      replicas: 3,
      baseUrlSet: true,
      prometheusSet: false,
    }),
    [],
  );
});

test('preflight: no Prometheus service says that no metric can be read from the host, and what would fix it', () => {
  const findings = findingsOf('no-prometheus');
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.severity, 'warning');
  assert.match(
    findings[0]!.message,
    /^no-prometheus\.yaml:3: no Prometheus service, so no metric can be read from the host .*add a prometheus service .* or set `prometheus-url`$/,
  );
  assert.equal(discoverPrometheusUrl(loadFixture('no-prometheus').config), undefined);
});

test('compose config output that is not the expected JSON is refused by name', () => {
  assert.throws(() => parseComposeConfig('no json'), ComposeOutputError);
  assert.throws(() => parseComposeConfig('{"name":"x"}'), /without a "services" object/);
});

test('the line locator finds nested keys and nothing for keys that are absent', () => {
  const locate = lineLocator('a:\n  b:\n    c: 1\n');
  assert.equal(locate(['a', 'b', 'c']), 3);
  assert.equal(locate(['a', 'x']), undefined);
  assert.equal(lineLocator(': : :\n\t- [')(['a']), undefined);
});
