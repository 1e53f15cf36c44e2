/**
 * Publish mode, as stagegate-publish.yml runs it (the action's main entry, that workflow's inputs)
 * against the local stand-in for GitHub's REST API: the report an earlier gate run wrote becomes the
 * one sticky comment, created once and edited in place, with the trend against the baseline; a pull
 * request whose head is not the report's commit gets nothing. The CLI does the same from a terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { createOctokitGitHubApi } from '../../src/github/octokit-github-api.js';
import { renderCommentMarkdown } from '../../src/github/report-markdown.js';
import { commentMarker, stickyBody } from '../../src/github/sticky-comment.js';
import type { GateReport } from '../../src/report/model.js';
import { compareReports } from '../../src/report/trend.js';
import { startFakeGitHub, type FakeGitHub } from '../github/fake-github.js';
import { check, sampleReport } from '../report/report-fixtures.js';
import {
  HEAD_SHA,
  PR,
  publishWorkspace,
  replaceReport,
  runPublishStep,
  type PublishWorkspace,
} from './publish-run.js';
import { removeRunDir, type EntryRun } from './run-entry.js';

const KEY = 'stagegate';

function gateReport(singleFlight: 'pass' | 'fail', heavyExecutions: number): GateReport {
  return sampleReport({
    version: 2,
    language: 'en',
    verdict: singleFlight === 'pass' ? 'ready' : 'not-ready',
    worst: singleFlight,
    checks: [
      check({ id: 'stage-up', status: 'pass', reason: '3 api replicas healthy' }),
      check({
        id: 'plan-cache-single-flight',
        status: singleFlight,
        reason: `${heavyExecutions} executions for 20 identical asks`,
        measures: { heavyExecutions, burstP50Ms: 40, burstP95Ms: 90, leaderMs: 80 },
      }),
    ],
  });
}

async function withGitHub(t: import('node:test').TestContext): Promise<FakeGitHub> {
  const github = await startFakeGitHub();
  t.after(() => github.close());
  github.pulls.set(PR, { number: PR, state: 'open', head: { sha: HEAD_SHA } });
  return github;
}

function withFiles(t: import('node:test').TestContext, report: GateReport, baseline?: GateReport) {
  const files = publishWorkspace(report, baseline);
  t.after(() => files.remove());
  return files;
}

async function publish(
  t: import('node:test').TestContext,
  files: PublishWorkspace,
  github: FakeGitHub,
  options: Parameters<typeof runPublishStep>[2] = {},
): Promise<EntryRun> {
  const run = await runPublishStep(files, github, options);
  t.after(() => removeRunDir(run));
  return run;
}

const writes = (github: FakeGitHub) =>
  github.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH').map((r) => r.method);

test('publish creates the sticky comment from the report file, then a second run edits it in place', async (t) => {
  const github = await withGitHub(t);
  const baseline = gateReport('pass', 1);
  const broken = gateReport('fail', 20);
  const files = withFiles(t, broken, baseline);

  const first = await publish(t, files, github);
  assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
  assert.equal(github.comments.length, 1);
  const trend = compareReports(baseline, broken, { p95Factor: 2 });
  // The very text a gate run would post, trend included, under the one marker.
  assert.equal(github.comments[0]!.body, stickyBody(KEY, renderCommentMarkdown(broken, KEY, trend)));
  assert.match(
    github.comments[0]!.body,
    /🔺 2 regressions against the baseline:\*\* plan-cache-single-flight ✅ → ❌/,
  );
  assert.match(first.summary, /Stage not ready for multi-user chat/);
  assert.equal(first.outputs['verdict'], 'not-ready');
  assert.match(first.outputs['comment-url']!, /issuecomment-\d+$/);
  assert.match(
    first.stdout,
    /publish: .*report\.json is a stagegate report \(format 2, verdict not-ready, 2 checks\)/,
  );
  assert.match(first.stdout, /step passes: report published to #7/);

  // The fix lands: the next gate run's report replaces the comment's text, in the same comment.
  replaceReport(files, gateReport('pass', 1));
  const second = await publish(t, files, github);
  assert.equal(second.code, 0, second.stdout);
  assert.equal(github.comments.length, 1, 'still one comment');
  assert.deepEqual(writes(github), ['POST', 'PATCH']);
  assert.equal(second.outputs['comment-url'], first.outputs['comment-url']);
  assert.ok(github.comments[0]!.body.startsWith(`${commentMarker(KEY)}\n## ✅ Stage ready`));
  assert.match(github.comments[0]!.body, /\*\*No regression against the baseline\.\*\*/);
  // A gate run keeps the same comment (same bot, same key): one comment per PR, whoever wrote last.
  assert.ok(github.requests.every((r) => r.token === 'ghs_actions_token'));
});

test('the committed bundle (dist/index.js) publishes the same comment', async (t) => {
  const github = await withGitHub(t);
  const report = gateReport('fail', 20);
  const files = withFiles(t, report, gateReport('pass', 1));
  const run = await publish(t, files, github, { entry: 'dist/index.js' });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const trend = compareReports(gateReport('pass', 1), report, { p95Factor: 2 });
  assert.equal(github.comments[0]!.body, stickyBody(KEY, renderCommentMarkdown(report, KEY, trend)));
});

test("a pull request whose head is not the report's commit gets no comment, and the step says why", async (t) => {
  const github = await withGitHub(t);
  const files = withFiles(t, gateReport('pass', 1));
  const run = await publish(t, files, github, { headSha: 'f'.repeat(40) });
  assert.equal(run.code, 1);
  assert.deepEqual(writes(github), []);
  assert.match(
    run.stdout,
    /PR comment not posted: the head of acme\/chat#7 is c0ffee000000, not ffffffffffff, the commit the report was made for/,
  );

  github.pulls.delete(PR);
  const gone = await publish(t, files, github);
  assert.equal(gone.code, 1);
  assert.match(gone.stdout, /there is no pull request acme\/chat#7/);
  assert.deepEqual(writes(github), []);
});

test('publish mode without what it needs fails before reading anything, naming the input', async (t) => {
  const github = await withGitHub(t);
  const files = withFiles(t, gateReport('pass', 1));
  const noNumber = await publish(t, files, github, { inputs: { 'pull-request-number': '' } });
  assert.equal(noNumber.code, 1);
  assert.match(noNumber.stdout, /::error::Invalid pull-request-number: required when mode is publish/);
  const noFile = await publish(t, files, github, { inputs: { 'report-file': '' } });
  assert.match(noFile.stdout, /::error::Invalid report-file: required when mode is publish/);
  const badNumber = await publish(t, files, github, { inputs: { 'pull-request-number': '7; rm -rf /' } });
  assert.match(
    badNumber.stdout,
    /::error::Invalid pull-request-number '7; rm -rf \/': expected a whole number from 1\./,
  );
  assert.deepEqual(github.requests, [], 'no call to GitHub at all');
});

test('the CLI prints what it would post without a token, and posts it with one', async (t) => {
  const github = await withGitHub(t);
  const baseline = gateReport('pass', 1);
  const broken = gateReport('fail', 20);
  const files = withFiles(t, broken, baseline);
  const reportFile = join(files.temp, 'stagegate-report', 'report.json');
  const args = [
    '--mode',
    'publish',
    '--report-file',
    reportFile,
    '--pull-request-number',
    String(PR),
    '--baseline-report',
    join(files.workspace, '.stagegate-baseline', 'report.json'),
  ];
  const cli = async (env: NodeJS.ProcessEnv, extra: string[] = []) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli([...args, ...extra], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
      createDriver: () => assert.fail('publish mode boots nothing'),
      createGitHubApi: (token, baseUrl) => createOctokitGitHubApi({ token, baseUrl }),
    });
    return { code, stdout, stderr };
  };
  const trend = compareReports(baseline, broken, { p95Factor: 2 });

  const dry = await cli({});
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(dry.stdout, stickyBody(KEY, renderCommentMarkdown(broken, KEY, trend)));
  assert.match(
    dry.stderr,
    /dry run: GITHUB_TOKEN is not set, so nothing was posted; above is the comment body for #7/,
  );
  assert.deepEqual(github.requests, []);

  const env = {
    GITHUB_TOKEN: 'ghs_actions_token',
    GITHUB_REPOSITORY: 'acme/chat',
    GITHUB_API_URL: github.baseUrl,
  };
  const missing = await cli({ GITHUB_TOKEN: 'ghs_actions_token' });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /to post \(GITHUB_TOKEN is set\) also give GITHUB_REPOSITORY \(owner\/repo\)/);

  const posted = await cli(env, ['--head-sha', HEAD_SHA]);
  assert.equal(posted.code, 0, posted.stderr);
  assert.match(posted.stdout, /^created: https:\/\/github\.example\/o\/r\/pull\/7#issuecomment-\d+\n$/);
  assert.equal(github.comments[0]!.body, dry.stdout, 'posted exactly what the dry run printed');
  const again = await cli(env, ['--head-sha', HEAD_SHA]);
  assert.match(again.stdout, /^unchanged: /);
  const wrongHead = await cli(env, ['--head-sha', 'a'.repeat(40)]);
  assert.equal(wrongHead.code, 1);
  assert.equal(github.comments.length, 1);
  assert.ok(!posted.stderr.includes('ghs_actions_token') && !posted.stdout.includes('ghs_actions_token'));
});
