import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordingLogger } from '../kit/recording-gate-logger.js';
import type { GateReport } from '../../src/report/model.js';
import { publishReport } from '../../src/report/publish-report.js';
import { secretsFromEnv } from '../../src/report/redact.js';
import { check, sampleReport } from './report-fixtures.js';

const TOKEN = 'ghs_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';
const ENV_SECRET = 'correct-horse-battery';

function tempDir(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'publish-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A report whose stage echoed a known secret, an environment secret and a token nobody named. */
function echoingReport(): GateReport {
  return sampleReport({
    checks: [
      check({
        id: 'stage-up',
        status: 'fail',
        reason: `boot failed: API_KEY=${ENV_SECRET}`,
        evidence: [{ kind: 'lines', title: 'api log', lines: [`token ${TOKEN}`, 'known: hush-hush-known'] }],
      }),
    ],
    serviceLogs: {
      linesPerService: 40,
      maxLineChars: 300,
      services: [{ service: 'api', lines: [`DB_PASSWORD=${ENV_SECRET}`] }],
    },
  });
}

test('publishReport redacts, writes the redacted JSON where asked (making its folder), and returns it', async (t) => {
  const path = join(tempDir(t), 'nested', 'deeper', 'report.json');
  const raw = echoingReport();
  const before = JSON.stringify(raw);
  const logger = createRecordingLogger();
  const secrets = ['hush-hush-known', ...secretsFromEnv({ MY_API_KEY: ENV_SECRET, HOME: '/root' })];
  const report = await publishReport(raw, { secrets, jsonPath: path, logger });

  const json = readFileSync(path, 'utf8');
  for (const text of [json, JSON.stringify(report)]) {
    for (const secret of [TOKEN, ENV_SECRET, 'hush-hush-known']) assert.ok(!text.includes(secret), secret);
    assert.ok(text.includes('***'));
  }
  assert.deepEqual(JSON.parse(json), report, 'the file holds the report handed to the renderers');
  assert.equal(report.checks[0]!.reason, 'boot failed: API_KEY=***');
  assert.deepEqual(report.serviceLogs?.services[0]?.lines, ['DB_PASSWORD=***']);
  // Only the secrets went: the rest of the report is as it was.
  assert.equal(report.verdict, raw.verdict);
  assert.deepEqual(report.phases, raw.phases);
  assert.equal(report.checks.length, raw.checks.length);
  assert.equal(JSON.stringify(raw), before, 'the raw report is not changed in place');
  assert.deepEqual(logger.lines, [`info: report: JSON written to ${path}`]);
});

test('publishReport without a JSON path writes nothing, and a JSON file it cannot write is a warning, not a failure', async (t) => {
  const dir = tempDir(t);
  const logger = createRecordingLogger();
  const report = await publishReport(echoingReport(), { secrets: [ENV_SECRET], logger });
  assert.equal(report.checks[0]!.reason, 'boot failed: API_KEY=***');
  assert.deepEqual(logger.lines, []);

  // A file where a folder should be: the JSON cannot be written; the report still comes back redacted.
  writeFileSync(join(dir, 'a-file'), 'x');
  const blocked = join(dir, 'a-file', 'report.json');
  const stillRendered = await publishReport(echoingReport(), {
    secrets: [ENV_SECRET],
    jsonPath: blocked,
    logger,
  });
  assert.equal(stillRendered.checks[0]!.reason, 'boot failed: API_KEY=***');
  assert.equal(existsSync(blocked), false);
  assert.equal(logger.lines.length, 1);
  assert.match(logger.lines[0]!, /^warn: could not write the JSON report to .*a-file\/report\.json: /);
});
