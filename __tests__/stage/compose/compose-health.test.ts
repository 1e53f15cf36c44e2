import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  failingServices,
  findProblems,
  isPartlyUp,
  type StageShape,
} from '../../../src/stage/compose/compose-health.js';
import type { ServiceHealth, ServiceStatus } from '../../../src/stage/driver.js';

const row = (service: string, index: number, state = 'running', health: ServiceHealth = 'healthy') =>
  ({ service, name: `stagegate-${service}-${index}`, state, health }) satisfies ServiceStatus;

const shape = (leftOut: string[] = []): StageShape => ({
  apiService: 'api',
  gatewayService: 'gateway',
  requiredServices: ['redis', 'prometheus'],
  isLeftOut: (service) => leftOut.includes(service),
});

const healthy = [row('api', 1), row('api', 2), row('gateway', 1), row('redis', 1), row('prometheus', 1)];

test('a complete stage has no problem, is not failing anywhere', () => {
  assert.deepEqual(findProblems(shape(), healthy, 2), []);
  assert.deepEqual(failingServices(shape(), healthy), []);
});

test('too few ready replicas, an unhealthy required service and a missing one are each named', () => {
  const services = [
    row('api', 1),
    row('api', 2, 'running', 'starting'),
    row('gateway', 1),
    row('redis', 1, 'exited', 'none'),
  ];
  assert.deepEqual(findProblems(shape(), services, 3), [
    'api: 1 of 3 replicas running and healthy (stagegate-api-2 running/starting)',
    'redis: stagegate-redis-1 exited',
    'prometheus: no container',
  ]);
  assert.deepEqual(failingServices(shape(), services), ['api', 'redis', 'prometheus']);
});

test('a required service left out by `services` is neither a problem nor failing', () => {
  const services = healthy.filter((s) => s.service !== 'prometheus');
  assert.deepEqual(findProblems(shape(['prometheus']), services, 2), []);
  assert.deepEqual(failingServices(shape(['prometheus']), services), []);
  assert.deepEqual(findProblems(shape(), services, 2), ['prometheus: no container']);
});

test('partly up: a running gateway and one ready replica; not with an unhealthy gateway or no replica', () => {
  const oneReplica = [row('api', 1), row('api', 2, 'exited', 'none'), row('gateway', 1)];
  assert.equal(isPartlyUp(shape(), oneReplica), true);
  assert.equal(isPartlyUp(shape(), [row('api', 1), row('gateway', 1, 'running', 'unhealthy')]), false);
  assert.equal(isPartlyUp(shape(), [row('api', 1, 'exited', 'none'), row('gateway', 1)]), false);
  assert.equal(isPartlyUp(shape(), [row('api', 1), row('gateway', 1, 'created', 'none')]), false);
});
