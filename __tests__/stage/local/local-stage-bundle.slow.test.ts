import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPLICA_HEADER } from '../../../src/contract/index.js';
import { LocalStageHarness } from './local-stage-harness.js';
import { HAPROXY_CONFIG_PATH, resolveReferenceStage } from '../../../src/stage/reference-stage.js';
import { assertNothingLeft } from './local-stage-helpers.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

test('from an ncc-built layout (dist/api, dist/ollama-sim, deploy/haproxy), the local stage boots the bundles', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'stagegate-bundled-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // The same bundles `npm run package` makes (transpile-only here, so a type error elsewhere in the tree
  // cannot fail this test), and the action's copy of the shared gateway config.
  await Promise.all(
    [
      ['src/api/main.ts', 'dist/api'],
      ['src/ollama-sim/main.ts', 'dist/ollama-sim'],
    ].map(([entry, out]) =>
      run('npx', ['ncc', 'build', entry!, '-o', join(root, out!), '--quiet', '--transpile-only'], {
        cwd: repoRoot,
        timeout: 120_000,
      }),
    ),
  );
  mkdirSync(join(root, 'dist/cli'), { recursive: true });
  writeFileSync(join(root, 'dist/cli/index.js'), '');
  mkdirSync(join(root, 'deploy/haproxy'), { recursive: true });
  copyFileSync(join(repoRoot, HAPROXY_CONFIG_PATH), join(root, HAPROXY_CONFIG_PATH));

  const stage = resolveReferenceStage(pathToFileURL(join(root, 'dist/cli/index.js')).href);
  assert.equal(stage.layout, 'bundle');
  const driver = new LocalStageHarness({
    apiCommand: stage.api,
    simulatorCommand: stage.simulator,
    haproxyConfigPath: stage.haproxyConfig,
    prometheus: false,
  });
  t.after(() => driver.teardown());
  const boot = await driver.boot({ replicas: 2, narratorMaxConcurrency: 1, bootTimeoutMs: 60_000 });
  assert.equal(boot.ok, true, boot.reason);
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const response = await fetch(`${driver.baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    seen.add(response.headers.get(REPLICA_HEADER) ?? '?');
  }
  assert.deepEqual([...seen].sort(), ['api-1', 'api-2']);
  await driver.teardown();
  await assertNothingLeft(driver);
});
