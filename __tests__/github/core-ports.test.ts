import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCoreSummarySink } from '../../src/github/core-ports.js';
import { recordingLogger } from './recording-logger.js';

test('without GITHUB_STEP_SUMMARY (a local run) the summary is skipped with a debug line', async () => {
  const saved = process.env.GITHUB_STEP_SUMMARY;
  delete process.env.GITHUB_STEP_SUMMARY;
  try {
    const logger = recordingLogger();
    assert.equal(await createCoreSummarySink(logger).write('# report'), false);
    assert.deepEqual(
      logger.lines.map((l) => l.level),
      ['debug'],
    );
    assert.match(logger.lines[0]!.message, /GITHUB_STEP_SUMMARY is not set/);
  } finally {
    if (saved !== undefined) process.env.GITHUB_STEP_SUMMARY = saved;
  }
});

test('with GITHUB_STEP_SUMMARY the markdown is appended to that file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-summary-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'summary.md');
  writeFileSync(file, 'earlier step\n');
  const saved = process.env.GITHUB_STEP_SUMMARY;
  process.env.GITHUB_STEP_SUMMARY = file;
  try {
    assert.equal(await createCoreSummarySink(recordingLogger()).write('## ✅ report'), true);
    assert.equal(readFileSync(file, 'utf8'), 'earlier step\n## ✅ report\n');
  } finally {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  }
});
