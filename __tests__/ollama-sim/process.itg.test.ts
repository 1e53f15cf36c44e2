/** The simulator as a process: honest start line, one JSON log line per request, clean stop, config errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  REPO_ROOT,
  makeWorkDir,
  readJsonLogLines,
  startSimulator,
  stopAll,
} from '../api/helpers/api-processes.js';

test(
  'starts, says it is a simulator, logs each request as JSON, exits 0 on SIGTERM',
  { timeout: 30_000 },
  async () => {
    const workDir = makeWorkDir('ollama-sim-process');
    const sim = await startSimulator(workDir, { SIM_MODELS: 'qwen2.5:0.5b' });
    try {
      const response = await fetch(`${sim.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'qwen2.5:0.5b',
          stream: false,
          messages: [{ role: 'user', content: 'oi' }],
        }),
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(response.status, 200);
      sim.process.signal('SIGTERM');
      assert.ok(await sim.process.waitForExit(5000));
      assert.equal(sim.process.describeState(), 'exited (code 0)');
      const lines = readJsonLogLines(sim);
      const listening = lines.find((l) => l.msg === 'listening')!;
      assert.match(String(listening.note), /simulator/);
      assert.deepEqual(listening.models, ['qwen2.5:0.5b']);
      const chat = lines.find((l) => l.msg === 'request' && l.path === '/api/chat')!;
      for (const field of ['ts', 'level', 'method', 'status', 'duration_ms', 'request_id', 'model'])
        assert.ok(field in chat, field);
      assert.ok(lines.some((l) => l.msg === 'stopped'));
    } finally {
      await stopAll([sim], workDir);
    }
  },
);

test('a bad setting exits 1 with one line naming it', { timeout: 30_000 }, async () => {
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/ollama-sim/main.ts'],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', SIM_FAIL_MODE: 'explode' }, timeout: 15_000 },
      (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
    ),
  );
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr.trim(),
    'ollama-sim: invalid configuration: SIM_FAIL_MODE must be one of none, 503, 500, hang (got "explode")',
  );
});
