import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeByTime, readLastLines } from '../../../src/stage/local/log-tail.js';

test('reads the newest lines of a file bigger than one read chunk, oldest first', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'big.log');
  const lines = Array.from({ length: 20_000 }, (_, index) => `line ${index} ${'x'.repeat(index % 50)}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  assert.deepEqual(await readLastLines(file, 3), lines.slice(-3));
  assert.deepEqual(await readLastLines(file, 5000), lines.slice(-5000));
  // Without a trailing newline the last partial line still counts.
  writeFileSync(file, 'a\nb\nc');
  assert.deepEqual(await readLastLines(file, 2), ['b', 'c']);
  assert.deepEqual(await readLastLines(file, 10), ['a', 'b', 'c']);
  assert.deepEqual(await readLastLines(file, 0), []);
  assert.deepEqual(await readLastLines(join(dir, 'missing.log'), 5), []);
  // A byte cap bounds the read even when lines are huge.
  writeFileSync(file, `${'y'.repeat(100_000)}\nlast`);
  assert.deepEqual(await readLastLines(file, 2, 1000), ['last']);
});

test('merges replicas by each JSON line time, oldest first, keeping the newest lines', () => {
  const one = [
    JSON.stringify({ time: 1_700_000_001_000, replica: 'api-1' }),
    'plain line after the first',
    JSON.stringify({ time: 1_700_000_003.5, replica: 'api-1' }), // seconds, as some loggers write,
  ];
  const two = [
    JSON.stringify({ time: new Date(1_700_000_002_000).toISOString(), replica: 'api-2' }),
    JSON.stringify({ ts: 1_700_000_004_000, replica: 'api-2' }),
  ];
  const merged = mergeByTime([one, two], 10);
  assert.deepEqual(merged, [one[0], one[1], two[0], one[2], two[1]]);
  assert.deepEqual(mergeByTime([one, two], 2), [one[2], two[1]]);
});
