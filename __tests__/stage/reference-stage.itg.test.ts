import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { resolveReferenceStage } from '../../src/stage/reference-stage.js';

const run = promisify(execFile);
const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

test('from source: node --import tsx on the repo entries, run from the repo root, and the shared gateway config', () => {
  const stage = resolveReferenceStage();
  assert.equal(stage.layout, 'source');
  assert.equal(stage.root, repoRoot);
  assert.deepEqual(stage.api, {
    command: process.execPath,
    args: ['--import', 'tsx', join(repoRoot, 'src/api/main.ts')],
    cwd: repoRoot,
  });
  assert.deepEqual(stage.simulator.args, ['--import', 'tsx', join(repoRoot, 'src/ollama-sim/main.ts')]);
  assert.equal(stage.haproxyConfig, join(repoRoot, 'deploy/haproxy/haproxy.cfg'));
  assert.ok(existsSync(stage.haproxyConfig));
});

test('bundled: the api and simulator bundles next to the running bundle, the config under the action root', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'stagegate-layout-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const file of [
    'dist/index.js',
    'dist/cli/index.js',
    'dist/api/index.js',
    'dist/ollama-sim/index.js',
  ]) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  for (const bundle of ['dist/index.js', 'dist/cli/index.js']) {
    const stage = resolveReferenceStage(pathToFileURL(join(root, bundle)).href);
    assert.equal(stage.layout, 'bundle');
    assert.equal(stage.root, root);
    assert.deepEqual(stage.api, {
      command: process.execPath,
      args: [join(root, 'dist/api/index.js')],
      cwd: root,
    });
    assert.deepEqual(stage.simulator.args, [join(root, 'dist/ollama-sim/index.js')]);
    assert.equal(stage.haproxyConfig, join(root, 'deploy/haproxy/haproxy.cfg'));
  }
  rmSync(join(root, 'dist/api'), { recursive: true });
  assert.throws(
    () => resolveReferenceStage(pathToFileURL(join(root, 'dist/cli/index.js')).href),
    /cannot find the api bundle \(api\/index\.js\) next to .* or one folder up; rebuild with "npm run package"/,
  );
});

test('inside a real ncc bundle, import.meta.url is the bundle file, so the layout resolves from where it runs', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'stagegate-ncc-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const probe = join(repoRoot, '__tests__/stage/fixtures/reference-stage-probe.ts');
  await run('npx', ['ncc', 'build', probe, '-o', join(root, 'dist/cli'), '--quiet', '--transpile-only'], {
    cwd: repoRoot,
    timeout: 120_000,
  });
  mkdirSync(join(root, 'dist/api'), { recursive: true });
  writeFileSync(join(root, 'dist/api/index.js'), '');
  const { stdout } = await run(process.execPath, [join(root, 'dist/cli/index.js')], { timeout: 20_000 });
  const printed = JSON.parse(stdout) as {
    moduleUrl: string;
    stage: ReturnType<typeof resolveReferenceStage>;
  };
  assert.equal(printed.moduleUrl, pathToFileURL(join(root, 'dist/cli/index.js')).href);
  assert.equal(printed.stage.layout, 'bundle');
  assert.deepEqual(printed.stage.api.args, [join(root, 'dist/api/index.js')]);
  assert.equal(printed.stage.haproxyConfig, join(root, 'deploy/haproxy/haproxy.cfg'));
});
