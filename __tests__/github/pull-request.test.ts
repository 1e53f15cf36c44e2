import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEventContext, type EventContext } from '../../src/github/event-context.js';
import { createOctokitGitHubApi } from '../../src/github/octokit-github-api.js';
import { findPullRequestNumber } from '../../src/github/pull-request.js';
import { startFakeGitHub } from './fake-github.js';
import { recordingLogger } from './recording-logger.js';

function context(partial: Partial<EventContext>): EventContext {
  return {
    eventName: 'push',
    repo: { owner: 'acme', repo: 'chat' },
    sha: 'abc1234',
    job: 'gate',
    apiUrl: 'http://unused',
    payload: {},
    ...partial,
  };
}

test('the event context is read from the runner environment when asked', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-event-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ pull_request: { number: 5 } }));
  const ctx = readEventContext({
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REPOSITORY: 'acme/chat',
    GITHUB_SHA: 'deadbeef',
    GITHUB_JOB: 'gate',
    GITHUB_API_URL: 'https://ghe.example/api/v3',
    GITHUB_EVENT_PATH: eventPath,
  });
  assert.deepEqual(ctx, {
    eventName: 'pull_request',
    repo: { owner: 'acme', repo: 'chat' },
    sha: 'deadbeef',
    job: 'gate',
    apiUrl: 'https://ghe.example/api/v3',
    payload: { pull_request: { number: 5 } },
  });
  const local = readEventContext({
    GITHUB_EVENT_PATH: join(dir, 'missing.json'),
    GITHUB_REPOSITORY: 'not a repo',
  });
  assert.equal(local.repo, undefined);
  assert.deepEqual(local.payload, {});
  assert.equal(local.apiUrl, 'https://api.github.com');
});

test('pull request events carry the number; no API call is made', async (t) => {
  const github = await startFakeGitHub();
  t.after(() => github.close());
  const api = createOctokitGitHubApi({ token: 'ghs_actions_token', baseUrl: github.baseUrl });
  const logger = recordingLogger();
  assert.equal(
    await findPullRequestNumber(context({ payload: { pull_request: { number: 8 } } }), api, logger),
    8,
  );
  const onPrComment = context({
    eventName: 'issue_comment',
    payload: { issue: { number: 9, pull_request: {} } },
  });
  assert.equal(await findPullRequestNumber(onPrComment, api, logger), 9);
  assert.equal(github.requests.length, 0);
});

test('on a push: the open PR whose head is the commit, else another open one, else none', async (t) => {
  const github = await startFakeGitHub();
  t.after(() => github.close());
  const api = createOctokitGitHubApi({ token: 'ghs_actions_token', baseUrl: github.baseUrl });
  const logger = recordingLogger();
  github.pullsByCommit.set('aaaaaaa', [
    { number: 1, state: 'open', head: { sha: 'other' } },
    { number: 2, state: 'open', head: { sha: 'aaaaaaa' } },
  ]);
  github.pullsByCommit.set('bbbbbbb', [
    { number: 3, state: 'closed', head: { sha: 'bbbbbbb' } },
    { number: 4, state: 'open', head: { sha: 'newer' } },
  ]);
  github.pullsByCommit.set('ccccccc', [{ number: 5, state: 'closed', head: { sha: 'ccccccc' } }]);
  assert.equal(await findPullRequestNumber(context({ sha: 'aaaaaaa' }), api, logger), 2);
  assert.equal(await findPullRequestNumber(context({ sha: 'bbbbbbb' }), api, logger), 4);
  assert.equal(
    await findPullRequestNumber(context({ sha: 'ccccccc' }), api, logger),
    undefined,
    'merged PRs get no comment',
  );
  assert.equal(await findPullRequestNumber(context({ sha: 'ddddddd' }), api, logger), undefined);
  assert.deepEqual(logger.warnings(), [], 'no PR is a normal answer, not a warning');
  assert.ok(github.requests.some((r) => r.path === '/repos/acme/chat/commits/aaaaaaa/pulls'));
});

test('an API error while looking up the PR is a warning, not a failure', async (t) => {
  const github = await startFakeGitHub();
  t.after(() => github.close());
  github.failPaths.push({ pattern: /\/pulls$/, status: 500 });
  const api = createOctokitGitHubApi({ token: 'ghs_actions_token', baseUrl: github.baseUrl });
  const logger = recordingLogger();
  assert.equal(await findPullRequestNumber(context({ sha: 'aaaaaaa' }), api, logger), undefined);
  assert.match(logger.warnings()[0]!, /PR lookup for commit aaaaaaa failed \(HTTP 500/);
  // Without a repository or a commit there is nothing to look up.
  assert.equal(await findPullRequestNumber(context({ repo: undefined }), api, logger), undefined);
  assert.equal(await findPullRequestNumber(context({ sha: '' }), api, logger), undefined);
  assert.equal(github.requests.length, 1);
});
