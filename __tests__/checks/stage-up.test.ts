import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideStageUp, type StageUpInput } from '../../src/checks/stage-up.js';
import type { ServiceStatus } from '../../src/stage/driver.js';

const row = (
  service: string,
  name = service,
  state = 'running',
  health: ServiceStatus['health'] = 'healthy',
): ServiceStatus => ({
  service,
  name,
  state,
  health,
});

const healthyRows = [
  row('api', 'api-1'),
  row('api', 'api-2'),
  row('api', 'api-3'),
  row('gateway'),
  row('redis'),
  row('ollama'),
  row('prometheus'),
  row('grafana', 'grafana', 'running', 'none'),
  row('tempo'),
];

function input(overrides: Partial<StageUpInput>): StageUpInput {
  return {
    driverKind: 'compose',
    baseUrl: 'http://127.0.0.1:8000',
    boot: { ok: true, services: healthyRows, durationMs: 1000 },
    services: healthyRows,
    apiService: 'api',
    gatewayService: 'gateway',
    replicas: 3,
    requiredServices: ['redis', 'ollama', 'prometheus', 'grafana', 'tempo'],
    language: 'en',
    ...overrides,
  };
}

test('every expected service running and healthy passes, with the services table as evidence', () => {
  const outcome = decideStageUp(input({}));
  assert.equal(outcome.status, 'pass', outcome.reason);
  assert.match(outcome.reason, /3\/3 api replicas, the gateway and 5 required services/);
  const table = outcome.evidence.find((evidence) => evidence.kind === 'table');
  assert.equal(table?.kind === 'table' && table.rows.length, healthyRows.length);
});

test("a failed boot fails with the driver's reason", () => {
  const outcome = decideStageUp(
    input({ boot: { ok: false, reason: 'api-2 exited (code 1)', services: [], durationMs: 5 } }),
  );
  assert.equal(outcome.status, 'fail');
  assert.match(outcome.reason, /could not be booted: api-2 exited \(code 1\)/);
});

test('a partly booted stage fails like any check: the boot reason when it ended, then what is down after it; never "could not be booted"', () => {
  const rows = healthyRows.map((entry) =>
    entry.name === 'api-2' ? row('api', 'api-2', 'running', 'unhealthy') : entry,
  );
  const boot = {
    ok: false,
    partial: true,
    reason: 'docker compose up failed (exit 1): container api-2 is unhealthy',
    services: rows,
    durationMs: 5,
  };
  const outcome = decideStageUp(input({ boot, services: rows }));
  assert.equal(outcome.status, 'fail');
  assert.equal(
    outcome.reason,
    'boot incomplete when it ended: docker compose up failed (exit 1): container api-2 is unhealthy; read after the boot: api: 2/3 replicas running and healthy (api-2 running/unhealthy)',
  );
  const table = outcome.evidence.find((evidence) => evidence.kind === 'table');
  assert.equal(table?.kind === 'table' && table.rows.length, rows.length, 'the services table is shown');
  const facts = outcome.evidence.find((evidence) => evidence.kind === 'facts');
  assert.ok(
    facts?.kind === 'facts' && facts.facts.some((fact) => fact.value === 'incomplete; the gateway answers'),
  );

  // Every service healthy by now (a replica that was only slow): still ❌, the boot did not succeed.
  const late = decideStageUp(input({ boot, services: healthyRows }));
  assert.equal(late.status, 'fail');
  assert.equal(
    late.reason,
    'boot incomplete when it ended: docker compose up failed (exit 1): container api-2 is unhealthy; read after the boot: every required service running and healthy',
  );
  const portuguese = decideStageUp(input({ boot, services: rows, language: 'pt-BR' }));
  assert.match(
    portuguese.reason,
    /^boot incompleto ao terminar: docker compose up failed.*; lido após o boot: api: 2\/3 réplicas/,
  );
  assert.doesNotMatch(portuguese.reason, /não pôde ser iniciado/);
});

test('a missing replica, an unhealthy service or a missing required service fails, naming it', () => {
  const rows = healthyRows.filter((entry) => entry.name !== 'api-3' && entry.service !== 'tempo');
  rows[rows.findIndex((entry) => entry.service === 'redis')] = row('redis', 'redis', 'running', 'unhealthy');
  const outcome = decideStageUp(input({ services: rows }));
  assert.equal(outcome.status, 'fail');
  assert.match(outcome.reason, /api: 2\/3 replicas running and healthy/);
  assert.match(outcome.reason, /redis: redis running\/unhealthy/);
  assert.match(outcome.reason, /tempo: not found/);
});

test('the local stage lists compose-only services as unavailable: said, not failed', () => {
  const rows = [
    ...healthyRows.filter((entry) => !['grafana', 'tempo'].includes(entry.service)),
    { ...row('grafana', 'grafana', 'unavailable', 'none'), detail: 'compose only' },
    { ...row('tempo', 'tempo', 'unavailable', 'none'), detail: 'compose only' },
  ];
  const outcome = decideStageUp(input({ driverKind: 'local', services: rows }));
  assert.equal(outcome.status, 'pass', outcome.reason);
  assert.match(outcome.reason, /grafana, tempo: not part of a local stage/);
  // The same rows on compose are a failure: there they must exist.
  assert.equal(decideStageUp(input({ driverKind: 'compose', services: rows })).status, 'fail');
});

test('an external stage that shows only its gateway passes on what it shows', () => {
  const outcome = decideStageUp(
    input({ driverKind: 'external', services: [row('gateway', 'gateway', 'reachable')] }),
  );
  assert.equal(outcome.status, 'pass', outcome.reason);
  assert.match(outcome.reason, /api replicas not visible/);
});

test('more replicas than expected is a warning', () => {
  const outcome = decideStageUp(input({ services: [...healthyRows, row('api', 'api-4')] }));
  assert.equal(outcome.status, 'warn');
  assert.match(outcome.reason, /4 replicas up, 3 expected/);
});

test('reasons follow the report language', () => {
  const outcome = decideStageUp(input({ language: 'pt-BR' }));
  assert.match(outcome.reason, /réplicas da api/);
});

test('required services left out of the boot (services) are said plainly as not booted, not failed', () => {
  const rows = [
    ...healthyRows.filter((r) => r.service !== 'grafana' && r.service !== 'tempo'),
    row('grafana', 'grafana', 'not-booted', 'none'),
    row('tempo', 'tempo', 'not-booted', 'none'),
  ];
  for (const language of ['en', 'pt-BR'] as const) {
    const outcome = decideStageUp(
      input({ services: rows, boot: { ok: true, services: rows, durationMs: 9 }, language }),
    );
    assert.equal(outcome.status, 'pass', outcome.reason);
    assert.match(
      outcome.reason,
      language === 'en'
        ? /3 required services running and healthy; grafana, tempo: not booted \(left out by services\)/
        : /3 serviços exigidos rodando e saudáveis; grafana, tempo: não iniciados neste boot/,
    );
  }
  // A service that was booted and is down still fails.
  const down = rows.map((r) => (r.service === 'redis' ? row('redis', 'redis', 'exited', 'none') : r));
  assert.equal(decideStageUp(input({ services: down })).status, 'fail');
});

test("a failed boot carries the end of the driver's diagnostics (the unhealthy service's log) as evidence", () => {
  const log = [
    'docker compose ps:',
    'api-1 running/unhealthy',
    ...Array.from({ length: 120 }, (_, i) => `api-1 | line ${i}`),
  ].join('\n');
  const outcome = decideStageUp(
    input({ boot: { ok: false, reason: 'api: 0 of 3 replicas healthy', services: [], durationMs: 5, log } }),
  );
  assert.equal(outcome.status, 'fail');
  const lines = outcome.evidence.find((evidence) => evidence.kind === 'lines');
  assert.ok(lines && lines.kind === 'lines');
  assert.equal(lines.lines.length, 80);
  assert.equal(lines.lines.at(-1), 'api-1 | line 119');
  assert.match(lines.title, /last 80 of 122 lines/);
  // A successful boot shows none.
  assert.ok(!decideStageUp(input({})).evidence.some((evidence) => evidence.kind === 'lines'));
});
