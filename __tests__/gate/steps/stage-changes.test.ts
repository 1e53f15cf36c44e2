import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStageChanges, stageChangesSince } from '../../../src/gate/steps/stage-changes.js';
import { localize } from '../../../src/report/language.js';
import type { ServiceStatus, StageDriver } from '../../../src/stage/driver.js';

const say = localize('en');
const row = (
  name: string,
  state = 'running',
  health: ServiceStatus['health'] = 'healthy',
): ServiceStatus => ({
  service: name.replace(/-\d+$/, ''),
  name,
  state,
  health,
});

test('a stage unchanged since the boot says nothing', () => {
  const booted = [row('stage-api-1'), row('stage-redis-1')];
  assert.equal(describeStageChanges(booted, [...booted].reverse(), say), undefined);
});

test('a replica that died is named, with what Docker says of it', () => {
  const booted = [row('stage-api-1'), row('stage-api-2'), row('stage-redis-1')];
  const now = [
    { ...row('stage-api-1', 'exited', 'none'), detail: 'Exited (137) 3 seconds ago' },
    row('stage-api-2'),
    row('stage-redis-1'),
  ];
  assert.equal(
    describeStageChanges(booted, now, say),
    'the stage changed since the boot: stage-api-1 running/healthy → exited/none (Exited (137) 3 seconds ago)',
  );
});

test('a service gone and one new are both said, in the report language', () => {
  const booted = [row('api-1'), row('api-2')];
  const now = [row('api-1'), row('api-3', 'running', 'starting')];
  assert.equal(
    describeStageChanges(booted, now, localize('pt-BR')),
    'o stage mudou desde o boot: api-2 sumiu; api-3 novo (running/starting)',
  );
});

test('a stage whose services cannot be read in time, or a run past its deadline, adds nothing', async () => {
  const hanging = { services: () => new Promise<ServiceStatus[]>(() => undefined) } as unknown as StageDriver;
  const started = Date.now();
  const said = await stageChangesSince(hanging, [row('api-1')], say, {
    signal: new AbortController().signal,
    timeoutMs: 50.7,
  });
  assert.equal(said, undefined);
  assert.ok(Date.now() - started < 1000);
  const gone = { services: async () => [] } as unknown as StageDriver;
  assert.equal(
    await stageChangesSince(gone, [row('api-1')], say, { signal: AbortSignal.abort(), timeoutMs: 1000 }),
    undefined,
  );
  assert.equal(
    await stageChangesSince(gone, [row('api-1')], say, {
      signal: new AbortController().signal,
      timeoutMs: 1000,
    }),
    'the stage changed since the boot: api-1 is gone',
  );
});
