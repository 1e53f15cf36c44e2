/**
 * A service that writes about 200 MB of log during a run: the gate's memory stays bounded (its peak
 * RSS stays below the size of the log itself), the log saved to the log dir is complete, and the job
 * log and the report carry only the capped tail (the last 40 lines of each service).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SERVICE_LOG_LINE_CHARS, SERVICE_LOG_TAIL_LINES } from '../../src/gate/service-logs.js';
import type { GateReport } from '../../src/report/model.js';
import { readLastLines } from '../../src/stage/local/log-tail.js';

/** 98-byte lines: 2,150,000 of them make 210.7 MB (more than 200 MiB). */
const LINES = 2_150_000;
const MIB = 1024 * 1024;

function runHarness(
  logDir: string,
  outDir: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const harness = fileURLToPath(new URL('./chatty-stage-gate.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', harness, String(LINES), logDir, outDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Streams `file` line by line: every `chatty N` line in order from 1, and the closing `chatty done`. */
async function countFlood(file: string): Promise<{ lines: number; inOrder: boolean; done: boolean }> {
  let expected = 1;
  let inOrder = true;
  let done = false;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    const number = /^chatty (\d{9}) x{80}$/.exec(line)?.[1];
    if (number !== undefined) {
      if (Number(number) !== expected) inOrder = false;
      expected++;
    } else if (line === `chatty done ${LINES}`) done = true;
  }
  return { lines: expected - 1, inOrder, done };
}

test('a service logging 200 MB: bounded memory, a complete log file, only the capped tail in the report', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-flood-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logDir = join(dir, 'logs');
  const run = await runHarness(logDir, dir);
  assert.equal(run.code, 0, run.stderr);
  const { maxRssKb } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { maxRssKb: number };

  // The log, saved whole to the log dir.
  const file = join(logDir, 'ollama-sim.log');
  const size = statSync(file).size;
  t.diagnostic(
    `log of the chatty service: ${(size / MIB).toFixed(1)} MiB; gate peak RSS ${(maxRssKb / 1024).toFixed(0)} MiB`,
  );
  assert.ok(size > 200 * MIB, `the service logged ${size} bytes`);
  const flood = await countFlood(file);
  assert.deepEqual(
    flood,
    { lines: LINES, inOrder: true, done: true },
    'every line, in order, in the saved log',
  );

  // The gate never held the log: its peak memory stays below the size of the log itself.
  assert.ok(maxRssKb * 1024 < 200 * MIB, `peak RSS ${maxRssKb} KiB`);

  // The report: a failed check, so the tails are attached, each capped.
  const json = readFileSync(join(dir, 'report.json'), 'utf8');
  const report = JSON.parse(json) as GateReport;
  assert.equal(report.verdict, 'not-ready');
  assert.ok(report.serviceLogs, 'the report carries the service log tails');
  assert.equal(report.serviceLogs.linesPerService, SERVICE_LOG_TAIL_LINES);
  for (const entry of report.serviceLogs.services) {
    assert.ok(entry.lines.length <= SERVICE_LOG_TAIL_LINES, `${entry.service}: at most the cap`);
    for (const line of entry.lines) assert.ok(line.length <= SERVICE_LOG_LINE_CHARS);
  }
  const ollama = report.serviceLogs.services.find((entry) => entry.service === 'ollama');
  assert.equal(ollama?.lines.length, SERVICE_LOG_TAIL_LINES);
  // The tail is the end of the log as it was read, a run of its newest lines.
  const end = (await readLastLines(file, SERVICE_LOG_TAIL_LINES * 2)).join('\n');
  assert.ok(end.includes(ollama.lines.join('\n')), 'the tail is the newest lines of the log');
  assert.ok(json.length < 100_000, `the JSON report stays small (${json.length} characters)`);

  const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(
    markdown,
    new RegExp(`<summary>📜 Service logs &#40;last ${SERVICE_LOG_TAIL_LINES} lines of each&#41;</summary>`),
  );
  assert.ok((markdown.match(/^chatty /gm) ?? []).length <= SERVICE_LOG_TAIL_LINES);

  // The run's log: the tails in a fold of their own, saying the cap; never the flood.
  const log = readFileSync(join(dir, 'log.txt'), 'utf8');
  assert.match(
    log,
    new RegExp(`^group: service logs \\(last ${SERVICE_LOG_TAIL_LINES} lines per service\\)$`, 'm'),
  );
  assert.ok((log.match(/^chatty /gm) ?? []).length <= SERVICE_LOG_TAIL_LINES);
});
