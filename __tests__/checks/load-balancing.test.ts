import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countHealthzInLogs, decideLoadBalancing, type LogCount } from '../../src/checks/load-balancing.js';
import { healthz } from './exchanges.js';

const noLogs: LogCount = {
  mode: 'unavailable',
  perReplica: new Map(),
  total: 0,
  note: 'this driver cannot read logs',
};
const spread = (replicas: string[], count: number) =>
  Array.from({ length: count }, (_, index) => healthz(replicas[index % replicas.length]));

test('all replicas seen → pass, with a histogram', () => {
  const outcome = decideLoadBalancing({
    expectedReplicas: 3,
    readings: spread(['api-1', 'api-2', 'api-3'], 20),
    replicaHeader: 'x-replica-id',
    logs: noLogs,
    language: 'en',
  });
  assert.equal(outcome.status, 'pass', outcome.reason);
  const histogram = outcome.evidence.find((evidence) => evidence.kind === 'histogram');
  assert.deepEqual(histogram?.kind === 'histogram' && histogram.buckets, [
    { label: 'api-1', count: 7 },
    { label: 'api-2', count: 7 },
    { label: 'api-3', count: 6 },
  ]);
});

test('some replicas → warn; one replica of several → fail; one expected and seen → pass', () => {
  assert.equal(
    decideLoadBalancing({
      expectedReplicas: 3,
      readings: spread(['api-1', 'api-2'], 20),
      replicaHeader: 'x-replica-id',
      logs: noLogs,
      language: 'en',
    }).status,
    'warn',
  );
  const single = decideLoadBalancing({
    expectedReplicas: 3,
    readings: spread(['api-1'], 20),
    replicaHeader: 'x-replica-id',
    logs: noLogs,
    language: 'en',
  });
  assert.equal(single.status, 'fail');
  assert.match(single.reason, /all 20 answers came from api-1; 3 replicas expected/);
  assert.equal(
    decideLoadBalancing({
      expectedReplicas: 1,
      readings: spread(['api-1'], 5),
      replicaHeader: 'x-replica-id',
      logs: noLogs,
      language: 'en',
    }).status,
    'pass',
  );
});

test('any failed request fails, and so does an answer that does not say which replica answered', () => {
  const readings = [...spread(['api-1', 'api-2', 'api-3'], 19), healthz('api-2', { status: 503 })];
  const failed = decideLoadBalancing({
    expectedReplicas: 3,
    readings,
    replicaHeader: 'x-replica-id',
    logs: noLogs,
    language: 'en',
  });
  assert.equal(failed.status, 'fail');
  assert.match(failed.reason, /1\/20 GET \/healthz failed: 1× HTTP 503/);
  const anonymous = { ...healthz(undefined), replica: undefined };
  const unattributed = decideLoadBalancing({
    expectedReplicas: 3,
    readings: [...spread(['api-1', 'api-2', 'api-3'], 3), anonymous],
    replicaHeader: 'x-replica-id',
    logs: noLogs,
    language: 'en',
  });
  assert.equal(unattributed.status, 'fail');
  assert.match(unattributed.reason, /without the x-replica-id header/);
});

test("the logs are counted by the gate's request ids, from JSON lines or compose-prefixed ones", () => {
  const ids = new Set(['gate-7abc-lb-1', 'gate-7abc-lb-2', 'gate-7abc-lb-3']);
  const lines = [
    '{"ts":"2024-01-01T00:00:00Z","msg":"request","replica":"api-1","path":"/healthz","request_id":"gate-7abc-lb-1"}',
    'stagegate-api-2  | {"msg":"request","replica":"api-2","path":"/healthz","request_id":"gate-7abc-lb-2"}',
    'api-3  | GET /healthz 200 gate-7abc-lb-3',
    '{"msg":"request","replica":"api-1","path":"/healthz","request_id":"haproxy-check"}',
  ];
  const counted = countHealthzInLogs(lines, ids);
  assert.equal(counted.mode, 'request-ids');
  assert.deepEqual(
    [...counted.perReplica],
    [
      ['api-1', 1],
      ['api-2', 1],
      ['api-3', 1],
    ],
  );
  const fallback = countHealthzInLogs(lines.slice(3), ids);
  assert.equal(fallback.mode, 'healthz-lines');
  assert.equal(countHealthzInLogs(['{"msg":"started"}'], ids).mode, 'unavailable');
});

test('logs that contradict the header fail, naming both figures; logs that agree confirm it', () => {
  const readings = spread(['api-1', 'api-2', 'api-3'], 6);
  const agreeing: LogCount = {
    mode: 'request-ids',
    perReplica: new Map([
      ['api-1', 2],
      ['api-2', 2],
      ['api-3', 2],
    ]),
    total: 6,
  };
  const confirmed = decideLoadBalancing({
    expectedReplicas: 3,
    readings,
    replicaHeader: 'x-replica-id',
    logs: agreeing,
    language: 'en',
  });
  assert.equal(confirmed.status, 'pass');
  assert.match(confirmed.reason, /confirmed by the api logs/);
  const disagreeing: LogCount = { mode: 'request-ids', perReplica: new Map([['api-1', 6]]), total: 6 };
  const contradicted = decideLoadBalancing({
    expectedReplicas: 3,
    readings,
    replicaHeader: 'x-replica-id',
    logs: disagreeing,
    language: 'en',
  });
  assert.equal(contradicted.status, 'fail');
  assert.match(
    contradicted.reason,
    /api logs \(by the gate's request ids\) show another spread: api-1 6, api-2 0, api-3 0/,
  );
});
