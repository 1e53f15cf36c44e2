import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOctokitGitHubApi } from '../../src/github/octokit-github-api.js';
import { commentMarker, stickyBody, upsertStickyComment } from '../../src/github/sticky-comment.js';
import { startFakeGitHub, type FakeGitHub } from './fake-github.js';
import { recordingLogger } from './recording-logger.js';

const REPO = { owner: 'acme', repo: 'chat' };
const PR = 7;
const ACTIONS_BOT = { login: 'github-actions[bot]', type: 'Bot' };

async function withFake(t: import('node:test').TestContext): Promise<FakeGitHub> {
  const fake = await startFakeGitHub();
  t.after(() => fake.close());
  return fake;
}

function apiFor(fake: FakeGitHub, token: string, timeoutMs?: number) {
  return createOctokitGitHubApi({ token, baseUrl: fake.baseUrl, timeoutMs });
}

const writes = (fake: FakeGitHub) => fake.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH');

test('the comment is created once, then updated in place, never duplicated (three runs, paginated PR)', async (t) => {
  const fake = await withFake(t);
  // Eight comments before ours: three pages of three, so ours lands on a later page.
  for (let i = 0; i < 8; i++) fake.addComment(PR, `review comment ${i}`, { login: `dev${i}`, type: 'User' });
  const api = apiFor(fake, 'ghs_actions_token');
  const target = { repo: REPO, issueNumber: PR, key: 'gate' };
  const logger = recordingLogger();

  const first = await upsertStickyComment(api, target, 'run 1: ❌', logger);
  const second = await upsertStickyComment(api, target, 'run 2: ⚠️', logger);
  const third = await upsertStickyComment(api, target, 'run 3: ✅', logger);

  assert.equal(first.action, 'created');
  assert.equal(second.action, 'updated');
  assert.equal(third.action, 'updated');
  assert.ok('commentId' in first && 'commentId' in third && first.commentId === third.commentId);
  const ours = fake.comments.filter((c) => c.body.startsWith(commentMarker('gate')));
  assert.equal(ours.length, 1, 'exactly one sticky comment');
  assert.equal(ours[0]!.body, stickyBody('gate', 'run 3: ✅'));
  assert.deepEqual(
    writes(fake).map((r) => r.method),
    ['POST', 'PATCH', 'PATCH'],
  );
  // Every run read all pages: 9 comments at 3 a page is 3 pages (the first run saw 8: 3 pages).
  const listCalls = fake.requests.filter(
    (r) => r.method === 'GET' && r.path.endsWith(`/issues/${PR}/comments`),
  );
  assert.equal(listCalls.length, 9);
  assert.deepEqual(logger.warnings(), []);
});

test('an unchanged body is left alone: no PATCH', async (t) => {
  const fake = await withFake(t);
  const api = apiFor(fake, 'ghs_actions_token');
  const target = { repo: REPO, issueNumber: PR, key: 'gate' };
  const logger = recordingLogger();
  await upsertStickyComment(api, target, 'same body\n', logger);
  const again = await upsertStickyComment(api, target, 'same body\n', logger);
  assert.equal(again.action, 'unchanged');
  assert.deepEqual(
    writes(fake).map((r) => r.method),
    ['POST'],
  );
});

test("markers quoted or planted by people, other jobs' markers and other bots' comments are not taken", async (t) => {
  const fake = await withFake(t);
  const marker = commentMarker('gate');
  const planted = fake.addComment(PR, `${marker}\nI planted this`, { login: 'mallory', type: 'User' });
  const quoted = fake.addComment(PR, `> ${marker}\n> quoted`, ACTIONS_BOT);
  const otherJob = fake.addComment(PR, `${commentMarker('gate-arm64')}\nother job`, ACTIONS_BOT);
  const api = apiFor(fake, 'ghs_actions_token');
  const outcome = await upsertStickyComment(
    api,
    { repo: REPO, issueNumber: PR, key: 'gate' },
    'report',
    recordingLogger(),
  );
  assert.equal(outcome.action, 'created');
  assert.equal(planted.body, `${marker}\nI planted this`);
  assert.equal(quoted.body, `> ${marker}\n> quoted`);
  assert.equal(otherJob.body, `${commentMarker('gate-arm64')}\nother job`);
  assert.equal(fake.comments.length, 4);
});

test('with a personal token, /user names the author to match; a bot comment with the marker is not ours', async (t) => {
  const fake = await withFake(t);
  const botComment = fake.addComment(PR, stickyBody('gate', 'by the actions bot'), ACTIONS_BOT);
  const api = apiFor(fake, 'ghp_user_token');
  const logger = recordingLogger();
  const target = { repo: REPO, issueNumber: PR, key: 'gate' };
  assert.equal((await upsertStickyComment(api, target, 'one', logger)).action, 'created');
  assert.equal((await upsertStickyComment(api, target, 'two', logger)).action, 'updated');
  assert.equal(botComment.body, stickyBody('gate', 'by the actions bot'));
  const mine = fake.comments.filter((c) => c.user.login === 'release-bot-user');
  assert.equal(mine.length, 1);
  assert.equal(mine[0]!.body, stickyBody('gate', 'two'));
  assert.ok(fake.requests.some((r) => r.path === '/user'));
});

test("a fork's read-only token: 403 becomes a warning and the call returns, nothing is thrown", async (t) => {
  const fake = await withFake(t);
  const api = apiFor(fake, 'ghs_fork_token');
  const logger = recordingLogger();
  const outcome = await upsertStickyComment(
    api,
    { repo: REPO, issueNumber: PR, key: 'gate' },
    'report',
    logger,
  );
  assert.equal(outcome.action, 'skipped');
  assert.equal(fake.comments.length, 0);
  assert.equal(logger.warnings().length, 1);
  assert.match(
    logger.warnings()[0]!,
    /HTTP 403.*forks get a read-only token.*summary and the verdict still stand/s,
  );
  assert.ok(!logger.lines.some((l) => l.message.includes('ghs_fork_token')), 'the token is never logged');
});

test('an API error or an API that never answers is a warning within the time bound', async (t) => {
  const fake = await withFake(t);
  fake.failPaths.push({ pattern: /\/comments$/, status: 502 });
  const logger = recordingLogger();
  const failed = await upsertStickyComment(
    apiFor(fake, 'ghs_actions_token'),
    { repo: REPO, issueNumber: PR, key: 'gate' },
    'report',
    logger,
  );
  assert.equal(failed.action, 'skipped');
  assert.match(logger.warnings()[0]!, /HTTP 502/);

  fake.failPaths.length = 0;
  fake.hangPaths.push(/\/comments$/);
  const started = Date.now();
  const hung = await upsertStickyComment(
    apiFor(fake, 'ghs_actions_token', 500),
    { repo: REPO, issueNumber: PR, key: 'gate' },
    'report',
    logger,
  );
  assert.equal(hung.action, 'skipped');
  assert.ok(Date.now() - started < 10_000, 'bounded by the API timeout');
  assert.equal(logger.warnings().length, 2);
});

test('the key is normalised so it cannot close the marker or collide through odd characters', () => {
  assert.equal(commentMarker('gate'), '<!-- stagegate:gate -->');
  assert.equal(commentMarker('a --> <b>'), '<!-- stagegate:a-b -->');
  assert.equal(commentMarker('  '), '<!-- stagegate:default -->');
  assert.equal(commentMarker('build (ubuntu, 20)'), '<!-- stagegate:build-ubuntu-20 -->');
});
