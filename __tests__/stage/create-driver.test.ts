import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDriver, type DriverChoice } from '../../src/stage/create-driver.js';
import { ComposeDriver } from '../../src/stage/compose/compose-driver.js';
import { ExternalStageDriver } from '../../src/stage/external/external-driver.js';
import { LocalStageDriver } from '../../src/stage/local/local-driver.js';

test('each kind gets its driver, and the driver says which kind it is', () => {
  const compose = createDriver({
    kind: 'compose',
    compose: { composeFile: 'deploy/docker/docker-compose.stage.yaml', projectName: 'stagegate' },
  });
  assert.ok(compose instanceof ComposeDriver);
  assert.equal(compose.kind, 'compose');
  const local = createDriver({ kind: 'local' });
  assert.ok(local instanceof LocalStageDriver);
  assert.equal(local.kind, 'local');
  assert.equal(local.baseUrl, '', 'no gateway before boot');
  assert.equal(local.metrics(), undefined);
  const external = createDriver({ kind: 'external', external: { baseUrl: 'http://127.0.0.1:8000' } });
  assert.ok(external instanceof ExternalStageDriver);
  assert.equal(external.baseUrl, 'http://127.0.0.1:8000');
});

test('an unknown kind, or bad options of a known one, is refused with a message', () => {
  assert.throws(
    () => createDriver({ kind: 'kubernetes' } as unknown as DriverChoice),
    /unknown stage driver "kubernetes"; expected compose, local or external/,
  );
  assert.throws(
    () => createDriver({ kind: 'external', external: { baseUrl: 'ftp://x' } }),
    /must start with http/,
  );
});
