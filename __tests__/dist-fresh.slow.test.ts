/**
 * dist/ is what GitHub runs (action.yml points at it), so it must be exactly what the sources build
 * into: rebuild every bundle into a temp folder with the same script and compare byte for byte. Then
 * run the committed bundle the way the runner does, to prove it loads on this Node and fails cleanly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { removeRunDir, REPO_ROOT, runEntry } from './action/run-entry.js';

const DIST = join(REPO_ROOT, 'dist');
const STALE = 'dist/ is stale: run npm run package';

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

test('dist/ is exactly what the sources build into', { timeout: 15 * 60_000 }, async (t) => {
  assert.ok(existsSync(join(DIST, 'index.js')), `${STALE} (dist/index.js is missing)`);
  const fresh = mkdtempSync(join(tmpdir(), 'stagegate-dist-'));
  t.after(() => rmSync(fresh, { recursive: true, force: true }));
  await promisify(execFile)(process.execPath, ['.ci/package.mjs', fresh], {
    cwd: REPO_ROOT,
    timeout: 14 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const built = listFiles(fresh);
  const committed = listFiles(DIST);
  assert.deepEqual(committed, built, `${STALE} (the files differ)`);
  const differing = built.filter(
    (file) => !readFileSync(join(fresh, file)).equals(readFileSync(join(DIST, file))),
  );
  assert.deepEqual(differing, [], `${STALE} (these files differ: ${differing.join(', ')})`);
});

test('the committed bundle runs on this Node: a bad input is a clean error and exit code 1', async (t) => {
  const run = await runEntry({
    entry: 'dist/index.js',
    inputs: { replicas: '0', driver: 'local' },
    timeoutMs: 60_000,
  });
  t.after(() => removeRunDir(run));
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /^::error::Invalid replicas '0': expected a whole number from 1 to 20\.$/m);
  assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(run.outputs, {});
});

test('the committed post bundle runs on this Node: with no state it ends quietly', async (t) => {
  const run = await runEntry({ entry: 'dist/post/index.js', timeoutMs: 60_000 });
  t.after(() => removeRunDir(run));
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /nothing to tear down/);
});
