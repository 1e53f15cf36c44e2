/** The CLI as a user runs it: a real process, real flags, the real local stage. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GateReport } from '../../src/report/model.js';
import { runCli } from './run-cli.js';

test('bad flags: one line naming the flag, exit status 2, no stack trace', async () => {
  const bad = await runCli(['--replicas', '-1']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "stagegate: Invalid replicas '-1': expected a whole number from 1 to 20.\n");
  const unknown = await runCli(['--driver', 'local', '--chekcs', 'stage-up']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^stagegate: Unknown flag --chekcs\. Did you mean --checks\?/);
  assert.doesNotMatch(unknown.stderr, /\n\s+at /);
  const missing = await runCli(['--driver', 'compose', '--compose-file', 'nope.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^stagegate: Invalid compose-file 'nope\.yaml': no such file/);
});

test('--help exits 0 and lists the flags', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--narrator-max-concurrency <n>/);
});

test('--driver local boots the reference stage and prints five ✅ and "Stage pronto para chat multiusuário"', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gate-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const jsonPath = join(dir, 'report.json');
  const { code, stdout, stderr } = await runCli(['--driver', 'local', '--json', jsonPath]);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  for (const id of [
    'stage-up',
    'load-balancing',
    'plan-cache-single-flight',
    'private-isolation',
    'narrator-saturation',
  ])
    assert.match(stdout, new RegExp(`✅ .*\\(${id}\\)`), `${id} passed:\n${stdout}`);
  assert.match(stdout, /Stage pronto para chat multiusuário/);
  assert.doesNotMatch(stdout, /não pronto/);
  assert.match(stderr, /boot: local stage, 3 api replicas/);
  assert.match(stderr, /teardown: stopping the stage/);
  // Phases as plain header lines, no workflow commands; the terminal keeps its text histogram.
  assert.match(stderr, /\] ▸ boot\n[\s\S]*\] ▸ check narrator-saturation\n[\s\S]*\] ▸ teardown\n/);
  assert.doesNotMatch(stderr + stdout, /::(end)?group::/);
  assert.match(stdout, /api-\S+ +█+ +\d+/);
  assert.doesNotMatch(stdout, /xychart|pie title/);
  const report = JSON.parse(readFileSync(jsonPath, 'utf8')) as GateReport;
  assert.equal(report.verdict, 'ready');
  assert.equal(report.language, 'pt-BR');
});
