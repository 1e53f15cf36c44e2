/**
 * Publish mode reads a report that code from a fork wrote, so the report's author is the attacker. As
 * stagegate-publish.yml runs it, against the local stand-in for GitHub's REST API: a report that is not
 * ours (another schema, another format, 50 MB) is refused before anything is posted; one that is ours
 * in shape but carries HTML, markdown, a comment marker, mentions, workflow commands and a token in
 * every string it controls (as the report and as the baseline) is posted escaped, nothing of it live.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commentMarker } from '../../src/github/sticky-comment.js';
import { renderJson } from '../../src/report/json-renderer.js';
import type { GateReport } from '../../src/report/model.js';
import { HEAD_SHA, PR, publishWorkspace, runPublishStep } from './publish-run.js';
import { removeRunDir, type EntryRun } from './run-entry.js';
import { startFakeGitHub, type FakeGitHub } from '../github/fake-github.js';
import { outsideCode } from '../report/markdown-helpers.js';
import { sampleReport } from '../report/report-fixtures.js';

const STRAY_TOKEN = `ghp_${'Z9y8X7w6V5u4T3s2R1q0'.repeat(2)}`;
const PAYLOAD =
  '<script>alert(1)</script><img src=x onerror=alert(1)> [click](javascript:alert(1)) ' +
  '![p](http://evil.example/p.png) @octocat **bold** | a | b | ~~x~~ `code` ' +
  `</details></summary><!-- ${commentMarker('stagegate').slice(5, -4)} --> <details open> ${STRAY_TOKEN}` +
  '\n::error title=pwned::from the report\n::add-mask::everything\n##[error]pwned\n# pwned heading';
/** Keys whose values are enums or numbers: the schema refuses anything else there (tested apart). */
const CHECKED_KEYS = new Set(['version', 'verdict', 'worst', 'id', 'status', 'kind', 'driver', 'language']);

/** `report` with PAYLOAD in every free string (startedAt short enough for the schema's bound). */
function hostile(report: GateReport): GateReport {
  const walk = (value: unknown, key = ''): unknown => {
    if (typeof value === 'string')
      return CHECKED_KEYS.has(key)
        ? value
        : key === 'startedAt'
          ? '<img src=x>@octocat'
          : `${value} ${PAYLOAD}`;
    if (Array.isArray(value)) return value.map((item) => walk(item, key));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  return walk(report) as GateReport;
}

function measuredSample(heavyExecutions: number): GateReport {
  const sample = sampleReport({ version: 2, language: 'en' });
  const measures = { heavyExecutions, burstP95Ms: 90 };
  return {
    ...sample,
    checks: sample.checks.map((c) =>
      c.id === 'plan-cache-single-flight'
        ? { ...c, status: heavyExecutions === 1 ? 'pass' : 'fail', measures }
        : c,
    ),
  };
}

async function withGitHub(t: import('node:test').TestContext): Promise<FakeGitHub> {
  const github = await startFakeGitHub();
  t.after(() => github.close());
  github.pulls.set(PR, { number: PR, state: 'open', head: { sha: HEAD_SHA } });
  return github;
}

async function publishText(
  t: import('node:test').TestContext,
  github: FakeGitHub,
  report: string,
  baseline?: string,
  prepare?: (reportPath: string) => void,
): Promise<EntryRun> {
  const files = publishWorkspace(report, baseline);
  t.after(() => files.remove());
  prepare?.(join(files.temp, 'stagegate-report', 'report.json'));
  const run = await runPublishStep(files, github);
  t.after(() => removeRunDir(run));
  return run;
}

/** Lines the runner would run as workflow commands that the report planted. */
const planted = (log: string) =>
  log
    .split(/\r\n|\r|\n/)
    .filter((line) => /^\s*::|##\[/.test(line) && /pwned|add-mask::everything/.test(line));

test('reports that are not ours are refused before anything reaches GitHub', async (t) => {
  const github = await withGitHub(t);
  const good = JSON.parse(renderJson(measuredSample(1))) as Record<string, unknown>;
  const cases: Array<{ what: string; text: string; prepare?: (path: string) => void; reason: RegExp }> = [
    {
      what: 'another schema',
      text: JSON.stringify({ ...good, verdict: 'totally-ready', checks: 'all good' }),
      reason:
        /is not a stagegate report: verdict is expected one of "ready", "not-ready", "boot-failed" \(and \d+ more\)\./,
    },
    {
      what: 'a check id of its own',
      text: JSON.stringify({
        ...good,
        checks: [{ ...(good['checks'] as object[])[0], id: `<b>${PAYLOAD}` }],
      }),
      reason: /checks\[0\]\.id is expected one of "stage-up"/,
    },
    {
      what: 'another format',
      text: JSON.stringify({ ...good, version: 7 }),
      reason: /is report format 7; this stagegate reads formats 1 and 2: it was written by a newer stagegate/,
    },
    {
      what: 'not JSON',
      text: `<html>${PAYLOAD}</html>`,
      reason: /is not a stagegate report: it is not valid JSON\./,
    },
    {
      what: '300,000 tiny table rows (1 MB)',
      text: JSON.stringify({
        ...good,
        checks: [
          {
            ...(good['checks'] as object[])[0],
            evidence: [
              { kind: 'table', title: 't', columns: [], rows: Array.from({ length: 300_000 }, () => []) },
            ],
          },
        ],
      }),
      reason: /checks\[0\]\.evidence\[0\]\.rows is too many entries \(at most 20000\)/,
    },
    {
      what: '50 MB',
      text: '',
      prepare: (path) => {
        writeFileSync(path, `{"version": 2, "verdict": "ready", "padding": "${PAYLOAD}`);
        truncateSync(path, 50 * 1000 * 1000);
      },
      reason: /is not a stagegate report: it holds more than the 10\.0 MiB a report may hold \(47\.7 MiB\)\./,
    },
  ];
  for (const { what, text, prepare, reason } of cases) {
    const run = await publishText(t, github, text, undefined, prepare);
    assert.equal(run.code, 1, `${what}: the step fails`);
    const failure = run.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? '';
    assert.match(failure, /^::error::report-file refused: /, `${what}: ${failure}`);
    assert.match(failure, reason, what);
    assert.ok(
      !failure.includes('alert') && !failure.includes('pwned'),
      `${what}: the message quotes the file`,
    );
    assert.deepEqual(planted(run.stdout + run.stderr), [], `${what}: workflow commands`);
    assert.equal(run.summary, '', `${what}: no summary`);
  }
  assert.deepEqual(github.requests, [], 'not one request to GitHub');
  assert.equal(github.comments.length, 0);
});

test('a report with injection in every string is posted escaped: nothing its author wrote is live', async (t) => {
  const github = await withGitHub(t);
  const report = hostile(measuredSample(20));
  const baseline = hostile(measuredSample(1));
  const run = await publishText(t, github, renderJson(report), renderJson(baseline));
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.equal(github.comments.length, 1);
  const comment = github.comments[0]!.body;
  const renderings = {
    'PR comment': comment,
    'job summary': run.summary,
    'markdown output': run.outputs['markdown']!,
  };
  t.diagnostic(`comment ${comment.length} chars, summary ${run.summary.length} chars`);

  for (const [where, markdown] of Object.entries(renderings)) {
    // The report's text did arrive (so the rest proves something), and its trend against the baseline.
    assert.match(markdown, /alert\(1\)/, `${where} shows the report's text`);
    assert.match(markdown, /heavy executions 1 → 20/, `${where} shows the trend`);
    assert.ok(!markdown.includes(STRAY_TOKEN), `${where} holds a token`);
    // Code (fenced blocks and `spans`, which nothing inside can close) shows text verbatim: it is inert.
    const prose = outsideCode(markdown).replace(/`[^`\n]*`/g, '`…`');
    for (const tag of [/<script/i, /<img/i, /<details open/i, /<iframe/i])
      assert.doesNotMatch(prose, tag, `${where}: no raw ${tag.source}`);
    assert.match(prose, /&lt;script&gt;/, `${where}: the HTML is shown escaped`);
    assert.doesNotMatch(prose, /(?<!\\)\]\((?:javascript|http)/, `${where}: no link or image`);
    assert.doesNotMatch(prose, /@octocat/, `${where}: nobody is mentioned`);
    assert.doesNotMatch(prose, /^#+ pwned/m, `${where}: no heading`);
    assert.equal(
      (prose.match(/<details>/g) ?? []).length,
      (prose.match(/<\/details>/g) ?? []).length,
      `${where}: details balanced`,
    );
  }
  assert.ok(comment.startsWith(`${commentMarker('stagegate')}\n`));
  assert.equal(comment.split('<!--').length - 1, 1, 'no other HTML comment, so no second marker');
  assert.deepEqual(planted(run.stdout + run.stderr), [], 'workflow commands planted by the report');
});
