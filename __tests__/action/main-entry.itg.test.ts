/**
 * The action's main entry run as the runner runs it (a Node process, INPUT_* variables, the runner's
 * files), against a small HTTP stage (`driver: external`) and a local server speaking GitHub's REST API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commentMarker } from '../../src/github/sticky-comment.js';
import { findFreePort } from '../../src/stage/local/process.js';
import type { GateReport } from '../../src/report/model.js';
import { outsideCode } from '../report/markdown-helpers.js';
import { startFakeGitHub, type FakeGitHub } from '../github/fake-github.js';
import { startFakeStage, type FakeStage, type FakeStageOptions } from '../fixtures/fake-stage.js';
import { removeRunDir, runEntry, type EntryRun } from './run-entry.js';

const MAIN = 'src/action/main.ts';
const REPO = 'acme/chat';
const PR = 12;

async function withStage(
  t: import('node:test').TestContext,
  ids: string[],
  options: FakeStageOptions = {},
): Promise<FakeStage> {
  const stage = await startFakeStage({ replicas: ids, ...options });
  t.after(() => stage.close());
  return stage;
}

async function withGitHub(t: import('node:test').TestContext): Promise<FakeGitHub> {
  const github = await startFakeGitHub();
  t.after(() => github.close());
  return github;
}

/** A run of the gate's load-balancing check against `stage`, as a pull_request workflow would run it. */
async function runGate(
  t: import('node:test').TestContext,
  stage: FakeStage,
  github: FakeGitHub | undefined,
  inputs: Record<string, string> = {},
  extra: { env?: Record<string, string>; event?: unknown } = {},
): Promise<EntryRun> {
  const run = await runEntry({
    entry: MAIN,
    inputs: {
      driver: 'external',
      'base-url': stage.baseUrl,
      checks: 'load-balancing',
      'healthz-requests': '12',
      'github-token': 'ghs_actions_token',
      ...inputs,
    },
    env: {
      GITHUB_REPOSITORY: REPO,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_JOB: 'gate',
      GITHUB_SHA: 'abc1234def',
      ...(github ? { GITHUB_API_URL: github.baseUrl } : {}),
      ...extra.env,
    },
    event: extra.event ?? { pull_request: { number: PR } },
  });
  t.after(() => removeRunDir(run));
  return run;
}

function annotations(run: EntryRun, kind: 'error' | 'warning'): string[] {
  return run.stdout
    .split('\n')
    .filter((line) => line.startsWith(`::${kind}`))
    .map((line) => line.replace(/^::\w+[^:]*::/, ''));
}

test('a ready stage: exit 0, outputs, job summary, JSON report, and one PR comment created then updated', async (t) => {
  const stage = await withStage(t, ['api-1', 'api-2', 'api-3']);
  const github = await withGitHub(t);
  const first = await runGate(t, stage, github);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  assert.deepEqual(annotations(first, 'error'), []);
  assert.equal(first.outputs['verdict'], 'ready');
  assert.equal(first.outputs['boot-failed'], 'false');
  // The external fake stage has no metrics source: by the missing-metric rule its spread is confirmed by
  // the answers only, so load-balancing is ⚠️ (never ✅ on the stage's own header) and the verdict ready.
  assert.equal(first.outputs['load-balancing'], 'warn');
  assert.equal(first.outputs['stage-up'], 'skipped');
  assert.deepEqual(JSON.parse(first.outputs['checks']!), {
    'stage-up': 'skipped',
    'load-balancing': 'warn',
    'plan-cache-single-flight': 'skipped',
    'private-isolation': 'skipped',
    'narrator-saturation': 'skipped',
    'chat-capacity': 'skipped',
  });
  // The JSON report lands in the workspace by default, and the output says where.
  assert.equal(first.outputs['report-json'], join(first.dir, '.stagegate', 'report.json'));
  const report = JSON.parse(readFileSync(first.outputs['report-json']!, 'utf8')) as GateReport;
  assert.equal(report.verdict, 'ready');
  assert.equal(report.checks.find((c) => c.id === 'load-balancing')?.status, 'warn');
  // The job summary holds the markdown report.
  assert.match(first.summary, /^## ⚠️ Stage pronto para chat multiusuário/m);
  assert.match(first.summary, /### ⚠️ O que degradou[\s\S]*`load-balancing`/);
  assert.match(first.outputs['markdown']!, /Stage pronto para chat multiusuário/);
  // One sticky comment on the PR.
  assert.equal(github.comments.length, 1);
  assert.ok(github.comments[0]!.body.startsWith(`${commentMarker('gate')}\n## ⚠️ Stage pronto`));
  assert.match(first.outputs['comment-url']!, /#issuecomment-\d+$/);
  // The state tells the post step the stage is already down.
  assert.equal(first.state['stage-torn-down'], 'true');
  assert.equal(JSON.parse(first.state['stage-driver']!).kind, 'external');

  const second = await runGate(t, stage, github);
  assert.equal(second.code, 0);
  assert.equal(github.comments.length, 1, 'the second run edits the same comment');
  assert.deepEqual(
    github.requests.filter((r) => r.method !== 'GET').map((r) => r.method),
    ['POST', 'PATCH'],
  );
  assert.equal(second.outputs['comment-url'], first.outputs['comment-url']);
});

test('fail-on fail: a failed check fails the step; fail-on never reports it and passes', async (t) => {
  const stage = await withStage(t, ['api-1']);
  const failing = await runGate(t, stage, undefined, { 'pr-comment': 'false' });
  assert.equal(failing.code, 1);
  assert.equal(failing.outputs['verdict'], 'not-ready');
  assert.equal(failing.outputs['boot-failed'], 'false');
  assert.equal(failing.outputs['load-balancing'], 'fail');
  assert.deepEqual(annotations(failing, 'error'), ['stagegate: failed checks: load-balancing']);
  assert.match(failing.summary, /### ❌ O que falhou[\s\S]*`load-balancing`/);
  assert.match(failing.summary, /Stage não pronto para chat multiusuário/);

  const never = await runGate(t, stage, undefined, { 'pr-comment': 'false', 'fail-on': 'never' });
  assert.equal(never.code, 0);
  assert.equal(never.outputs['verdict'], 'not-ready');
  assert.deepEqual(annotations(never, 'error'), []);
});

test('fail-on warn: a degraded check fails the step; under the default policy it passes', async (t) => {
  const stage = await withStage(t, ['api-1', 'api-2']);
  const lenient = await runGate(t, stage, undefined, { 'pr-comment': 'false', language: 'en' });
  assert.equal(lenient.code, 0, lenient.stdout);
  assert.equal(lenient.outputs['verdict'], 'ready');
  assert.equal(lenient.outputs['worst'], 'warn');
  assert.match(lenient.summary, /^## ⚠️ Stage ready for multi-user chat$/m);
  const strict = await runGate(t, stage, undefined, {
    'pr-comment': 'false',
    'fail-on': 'warn',
    language: 'en',
  });
  assert.equal(strict.code, 1);
  assert.equal(strict.outputs['verdict'], 'not-ready');
  assert.deepEqual(annotations(strict, 'error'), [
    'stagegate: degraded checks (fail-on warn): load-balancing',
  ]);
});

test('a stage that never boots is told apart from a failed check', async (t) => {
  const stage = await withStage(t, ['api-1'], { healthz: 'down' });
  const run = await runGate(t, stage, undefined, {
    'pr-comment': 'false',
    checks: 'all',
    'boot-timeout-seconds': '5',
  });
  assert.equal(run.code, 1);
  assert.equal(run.outputs['verdict'], 'boot-failed');
  assert.equal(run.outputs['boot-failed'], 'true');
  assert.equal(run.outputs['stage-up'], 'fail');
  assert.equal(run.outputs['load-balancing'], 'skipped');
  assert.deepEqual(annotations(run, 'error'), ['stagegate: the stage could not be booted']);
  assert.match(run.summary, /o stage não pôde ser iniciado/);
});

test('a bad input fails the step before anything boots, naming the input, without a stack trace', async (t) => {
  const stage = await withStage(t, ['api-1']);
  const run = await runGate(t, stage, undefined, { replicas: '-1' });
  assert.equal(run.code, 1);
  assert.deepEqual(annotations(run, 'error'), [
    "Invalid replicas '-1': expected a whole number from 1 to 20.",
  ]);
  assert.equal(stage.healthzServed, 0, 'nothing was sent to the stage');
  assert.deepEqual(run.state, {}, 'no stage for the post step to tear down');
  assert.deepEqual(run.outputs, {});
  assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /);
  assert.ok(!existsSync(join(run.dir, '.stagegate')));
});

test('a compose file that does not exist or an unreachable base URL fails before anything boots', async (t) => {
  const stage = await withStage(t, ['api-1']);
  const missing = await runGate(t, stage, undefined, {
    driver: 'compose',
    'compose-file': 'nope/compose.yaml',
  });
  assert.equal(missing.code, 1);
  assert.match(
    annotations(missing, 'error')[0]!,
    /^Invalid compose-file 'nope\/compose\.yaml': no such file/,
  );
  assert.deepEqual(missing.state, {}, 'no stage for the post step to tear down');

  const port = await findFreePort();
  const unreachable = await runGate(t, stage, undefined, { 'base-url': `http://127.0.0.1:${port}` });
  assert.equal(unreachable.code, 1);
  assert.match(
    annotations(unreachable, 'error')[0]!,
    /^Invalid base-url 'http:\/\/127\.0\.0\.1:\d+': nothing answers there/,
  );
  assert.deepEqual(unreachable.outputs, {});
  assert.equal(stage.healthzServed, 0);
});

test("a fork's read-only token: the comment is skipped with a warning, the summary and verdict stand", async (t) => {
  const stage = await withStage(t, ['api-1', 'api-2', 'api-3']);
  const github = await withGitHub(t);
  const run = await runGate(t, stage, github, { 'github-token': 'ghs_fork_token' });
  assert.equal(run.code, 0);
  assert.equal(run.outputs['verdict'], 'ready');
  assert.equal(github.comments.length, 0);
  const warnings = annotations(run, 'warning');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /PR comment skipped .*HTTP 403/);
  assert.match(run.summary, /Stage pronto para chat multiusuário/);
  assert.equal(run.outputs['comment-url'], '');
});

test('on a push the PR is found from the commit; with no PR the comment is skipped quietly', async (t) => {
  const stage = await withStage(t, ['api-1', 'api-2', 'api-3']);
  const github = await withGitHub(t);
  const sha = 'feedc0de1234';
  github.pullsByCommit.set(sha, [
    { number: 3, state: 'closed', head: { sha: 'old' } },
    { number: 21, state: 'open', head: { sha } },
  ]);
  const push = { env: { GITHUB_EVENT_NAME: 'push', GITHUB_SHA: sha }, event: { ref: 'refs/heads/feature' } };
  const run = await runGate(t, stage, github, {}, push);
  assert.equal(run.code, 0);
  assert.equal(github.comments.length, 1);
  assert.equal(github.comments[0]!.issue, 21);

  const lonely = { env: { GITHUB_EVENT_NAME: 'push', GITHUB_SHA: 'abcdef999' }, event: {} };
  const none = await runGate(t, stage, github, {}, lonely);
  assert.equal(none.code, 0);
  assert.deepEqual(annotations(none, 'warning'), []);
  assert.match(none.stdout, /PR comment skipped: no open pull request for this push/);
  assert.equal(github.comments.length, 1);
});

test('stage-supplied text is escaped and the token never reaches the summary, comment, outputs or JSON', async (t) => {
  const hostile = [
    '<script>alert(1)</script>',
    'ghs_actions_token',
    '[x](javascript:alert(1))',
    '@octocat',
    '<!-- stagegate:gate -->',
  ];
  const stage = await withStage(t, hostile);
  const github = await withGitHub(t);
  const run = await runGate(t, stage, github, { replicas: String(hostile.length) });
  assert.equal(run.code, 0, run.stdout);
  const report = readFileSync(run.outputs['report-json']!, 'utf8');
  const comment = github.comments[0]!.body;
  for (const [what, text] of Object.entries({
    summary: run.summary,
    comment,
    report,
    outputs: JSON.stringify(run.outputs),
  })) {
    assert.ok(!text.includes('ghs_actions_token'), `no token in the ${what}`);
  }
  for (const md of [run.summary, comment].map(outsideCode)) {
    assert.doesNotMatch(md, /<script/);
    assert.doesNotMatch(md, /(?<!\\)\[x\]\(javascript/);
    assert.doesNotMatch(md, /@octocat/);
  }
  assert.equal(comment.split('<!--').length - 1, 1, 'only the real marker is an HTML comment');
  assert.ok(comment.startsWith(commentMarker('gate')));
});

test('a cancelled run (SIGINT from the runner) stops the checks, reports, and marks the stage torn down', async (t) => {
  // The preflight probe and the boot probe are answered, then the stage stops answering:
  // load-balancing waits on its requests until the run is cancelled.
  const stage = await withStage(t, ['api-1', 'api-2', 'api-3'], { answerOnly: 2 });
  const started = Date.now();
  const run = await runEntry({
    entry: MAIN,
    inputs: {
      driver: 'external',
      'base-url': stage.baseUrl,
      checks: 'load-balancing',
      'request-timeout-seconds': '120',
      'pr-comment': 'false',
    },
    interrupt: { when: /boot: stage up/, signal: 'SIGINT' },
  });
  t.after(() => removeRunDir(run));
  assert.ok(Date.now() - started < 60_000, 'the run ended long before the request timeout');
  assert.equal(run.code, 1, run.stdout);
  assert.equal(run.outputs['verdict'], 'not-ready');
  assert.equal(run.outputs['load-balancing'], 'fail');
  assert.match(run.summary, /execução cancelada/);
  assert.equal(run.state['stage-torn-down'], 'true');
});
