/**
 * Reading a report file that may come from anywhere: our own reports come back whole; anything else is
 * refused with a reason that names the place, never the content, and oversized files are refused before
 * they are read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { renderJson } from '../../src/report/json-renderer.js';
import { COMMENT_MAX_CHARS, renderMarkdown } from '../../src/report/markdown-renderer.js';
import { REPORT_FORMAT_VERSION, type GateReport } from '../../src/report/model.js';
import {
  parseReport,
  readReportFile,
  REPORT_FILE_MAX_BYTES,
  ReportFileError,
  type ReportSchema,
} from '../../src/report/report-file.js';
import { check, sampleReport } from './report-fixtures.js';

// The schema and the model cannot drift apart: each must be assignable to the other (typecheck fails).
type Parsed = z.output<typeof ReportSchema>;
const toModel = (parsed: Parsed): GateReport => parsed;
const toParsed = (report: GateReport): Parsed => report;
void toModel;
void toParsed;

const current = (): GateReport =>
  sampleReport({
    version: REPORT_FORMAT_VERSION,
    checks: [
      check({ id: 'stage-up', status: 'pass' }),
      check({
        id: 'plan-cache-single-flight',
        status: 'pass',
        measures: { heavyExecutions: 1, burstP50Ms: 40, burstP95Ms: 90, leaderMs: 80 },
      }),
    ],
  });

function refusal(text: string): string {
  try {
    parseReport(text, 'report.json');
  } catch (error) {
    assert.ok(error instanceof ReportFileError, String(error));
    return error.message;
  }
  assert.fail(`expected ${text.slice(0, 60)} to be refused`);
}

function withDir(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'report-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a report the gate wrote comes back as it was (the sample one too, every kind of evidence)', () => {
  const report = current();
  assert.deepEqual(parseReport(renderJson(report), 'report.json'), report);
  const sample = sampleReport();
  assert.deepEqual(parseReport(renderJson(sample), 'report.json'), sample);
});

test('format 1 is read, without measures; a newer format is refused with the reason', () => {
  const v1 = { ...current(), version: 1 };
  const read = parseReport(JSON.stringify(v1), 'old.json');
  assert.equal(read.version, 1);
  assert.ok(read.checks.every((c) => c.measures === undefined));
  assert.equal(
    refusal(JSON.stringify({ ...current(), version: 3 })),
    'report.json is report format 3; this stagegate reads formats 1 and 2: it was written by a newer stagegate, update this one to read it.',
  );
  assert.equal(
    refusal(JSON.stringify({ ...current(), version: 0 })),
    'report.json is report format 0; this stagegate reads formats 1 and 2.',
  );
  assert.match(refusal(JSON.stringify({ ...current(), version: '2' })), /report format unknown/);
});

test('not ours: each is refused, naming the place and never quoting the content', () => {
  const secret = 'ghs_do-not-echo-me';
  assert.equal(refusal(`{"a": "${secret}"`), 'report.json is not a stagegate report: it is not valid JSON.');
  assert.match(refusal('[1, 2]'), /has no format version/);
  assert.match(refusal(`{"name": "${secret}"}`), /has no format version/);
  const cases: Array<[(r: Record<string, unknown>) => void, RegExp]> = [
    [(r) => (r['verdict'] = secret), /verdict is expected one of "ready", "not-ready", "boot-failed"/],
    [(r) => delete r['checks'], /checks is expected array/],
    [
      (r) => ((r['checks'] as Array<Record<string, unknown>>)[0]!['id'] = secret),
      /checks\[0\]\.id is expected one of/,
    ],
    [(r) => ((r['checks'] as Array<Record<string, unknown>>)[1]!['status'] = 'great'), /checks\[1\]\.status/],
    [(r) => ((r['stage'] as Record<string, unknown>)['driver'] = 'kubernetes'), /stage\.driver/],
    [(r) => ((r['stage'] as Record<string, unknown>)['replicas'] = -1), /stage\.replicas is below 0/],
    [(r) => (r['language'] = 'fr'), /language/],
    [
      (r) => ((r['checks'] as Array<Record<string, unknown>>)[1]!['measures'] = { heavyExecutions: -5 }),
      /checks\[1\]\.measures\.heavyExecutions is below 0/,
    ],
    [
      (r) => ((r['checks'] as unknown[])[1] = (r['checks'] as unknown[])[0]),
      /checks is not allowed \(a check id twice\)/,
    ],
    [
      (r) =>
        ((r['checks'] as Array<Record<string, unknown>>)[0]!['evidence'] = [
          { kind: 'script', title: secret },
        ]),
      /checks\[0\]\.evidence\[0\]/,
    ],
  ];
  for (const [mutate, expected] of cases) {
    const raw = JSON.parse(renderJson(current())) as Record<string, unknown>;
    mutate(raw);
    const message = refusal(JSON.stringify(raw));
    assert.match(message, /^report\.json is not a stagegate report: /);
    assert.match(message, expected);
    assert.ok(!message.includes(secret), `the message quotes the file: ${message}`);
  }
});

test('lists are bounded: millions of tiny entries are refused; the most allowed still render', () => {
  const withRows = (rows: unknown[][]) => {
    const raw = JSON.parse(renderJson(current())) as { checks: Array<Record<string, unknown>> };
    raw.checks[0]!['evidence'] = [{ kind: 'table', title: 't', columns: ['a'], rows }];
    return JSON.stringify(raw);
  };
  const flood = withRows(Array.from({ length: 300_000 }, () => []));
  assert.ok(Buffer.byteLength(flood) < REPORT_FILE_MAX_BYTES, 'small enough to pass the size bound');
  assert.match(refusal(flood), /checks\[0\]\.evidence\[0\]\.rows is too many entries \(at most 20000\)/);
  const wide = JSON.parse(renderJson(current())) as { checks: Array<Record<string, unknown>> };
  wide.checks[0]!['evidence'] = Array.from({ length: 101 }, () => ({ kind: 'lines', title: 'x', lines: [] }));
  assert.match(refusal(JSON.stringify(wide)), /checks\[0\]\.evidence is too many entries \(at most 100\)/);

  const most = parseReport(withRows(Array.from({ length: 20_000 }, (_, i) => [i, 'x'.repeat(50)])), 'r');
  const markdown = renderMarkdown(most, { maxChars: COMMENT_MAX_CHARS });
  assert.ok(markdown.length <= COMMENT_MAX_CHARS);
  assert.match(markdown, /rows left out to fit GitHub's size limit|linhas omitidas/);
});

test('unknown keys are dropped, so nothing unexpected can reach a renderer', () => {
  const raw = { ...current(), extra: '<script>', stage: { ...current().stage, html: '<b>' } };
  const read = parseReport(JSON.stringify(raw), 'report.json');
  assert.ok(!('extra' in read));
  assert.ok(!('html' in read.stage));
});

test('files: a missing one, a directory, and one over the size limit are refused before parsing', async (t) => {
  const dir = withDir(t);
  const good = join(dir, 'report.json');
  writeFileSync(good, renderJson(current()));
  assert.deepEqual(await readReportFile(good), current());

  await assert.rejects(readReportFile(join(dir, 'none.json')), (error: unknown) => {
    assert.ok(error instanceof ReportFileError);
    assert.equal(error.problem, 'missing');
    assert.match(error.message, /none\.json does not exist\./);
    return true;
  });
  mkdirSync(join(dir, 'folder'));
  await assert.rejects(readReportFile(join(dir, 'folder')), /is not a regular file/);

  // 50 MB (sparse: no disk is used), refused from its size without being read.
  const huge = join(dir, 'huge.json');
  writeFileSync(huge, '{"version": 2, "padding": "');
  truncateSync(huge, 50 * 1000 * 1000);
  const started = performance.now();
  await assert.rejects(readReportFile(huge, { source: 'huge.json' }), (error: unknown) => {
    assert.ok(error instanceof ReportFileError);
    assert.equal(error.problem, 'unusable');
    assert.equal(
      error.message,
      `huge.json is not a stagegate report: it holds more than the ${(REPORT_FILE_MAX_BYTES / 1024 / 1024).toFixed(1)} MiB a report may hold (47.7 MiB).`,
    );
    return true;
  });
  t.diagnostic(`50 MB file refused in ${(performance.now() - started).toFixed(1)} ms`);

  // Just over a smaller limit: refused; at the limit: read.
  const bytes = Buffer.byteLength(renderJson(current()));
  await assert.rejects(readReportFile(good, { maxBytes: bytes - 1 }), /holds more than/);
  assert.equal((await readReportFile(good, { maxBytes: bytes })).verdict, 'not-ready');
});
