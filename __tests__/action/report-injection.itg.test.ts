/**
 * A hostile stage against the real action: its replica header, answers, cache keys and messages carry
 * HTML, markdown, a fake comment marker, @mentions, workflow commands, the job's GitHub token and a
 * secret from the job's environment. The action runs as the runner runs it (its main entry, INPUT_*
 * variables) against a local server speaking GitHub's REST API. What reaches the PR comment, the job
 * summary, the `markdown` output and the JSON report is escaped and holds no secret, and nothing the
 * stage said becomes a workflow command in the log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../../src/cli/run-cli.js';
import { driverChoiceFor } from '../../src/gate/driver-choice.js';
import { commentMarker } from '../../src/github/sticky-comment.js';
import { neutralizeWorkflowCommands } from '../../src/report/escape.js';
import { createDriver } from '../../src/stage/create-driver.js';
import { runEntry, removeRunDir } from './run-entry.js';
import { startFakeGitHub } from '../github/fake-github.js';
import { outsideCode } from '../report/markdown-helpers.js';
import { startFakeStage } from '../fixtures/fake-stage.js';

/** The job's token, as the fake GitHub knows it (an installation token). */
const GITHUB_TOKEN = 'ghs_actions_token';
/** A secret in the job's environment (a name the redaction treats as secret). */
const ENV_SECRET = 's3cr3t-db-password-4242';
/** A token the gate was never told about, caught by its shape. */
const STRAY_TOKEN = `ghp_${'Q7r8S9t0U1v2W3x4Y5z6'.repeat(2)}`;
const HTML = '<script>alert(1)</script><img src=x onerror=alert(1)><iframe src=//evil>';
const MARKDOWN =
  '[click](javascript:alert(1)) ![pixel](http://evil.example/p.png) @octocat **bold** | a | b | ~~x~~ `code`';
const STRUCTURE = `</details></summary><!-- ${commentMarker('gate').slice(5, -4)} --> <details open>`;
/** Lines the runner would execute as workflow commands, if printed at the start of a log line. */
const COMMANDS =
  '\n::error title=pwned::stage text became an annotation\n::add-mask::everything\n##[error]pwned-v1\n# pwned heading';
const LEAKS = `token=${GITHUB_TOKEN} db=${ENV_SECRET} stray=${STRAY_TOKEN}`;
const PAYLOAD = `${HTML} ${MARKDOWN} ${STRUCTURE} ${LEAKS}`;

/** A stage that honours the contract's shape, with hostile text in every string it controls. */
function startHostileStage() {
  return startFakeStage({
    // Header values cannot hold line breaks; everything else can.
    replicas: [1, 2].map((n) => `api-${n} ${HTML} @octocat ${GITHUB_TOKEN} ${ENV_SECRET}`),
    echo: `${PAYLOAD}${COMMANDS}`,
    // One key for every client: the isolation check fails and quotes it in its reason.
    sharedCacheKey: true,
  });
}

test('a hostile stage cannot leak secrets into, or inject markup into, the PR comment, the summary or the log', async (t) => {
  const stage = await startHostileStage();
  t.after(() => stage.close());
  const github = await startFakeGitHub();
  t.after(() => github.close());

  const run = await runEntry({
    entry: 'src/action/main.ts',
    inputs: {
      driver: 'external',
      'base-url': stage.baseUrl,
      checks: 'all',
      language: 'en',
      replicas: '2',
      'healthz-requests': '6',
      'single-flight-burst': '4',
      'narrator-burst': '4',
      // chat-capacity runs too (its words must be escaped like the others'), on a short budget.
      'capacity-budget-seconds': '3',
      'request-timeout-seconds': '5',
      'boot-timeout-seconds': '10',
      'github-token': GITHUB_TOKEN,
    },
    env: {
      GITHUB_REPOSITORY: 'acme/chat',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_JOB: 'gate',
      GITHUB_SHA: 'abc1234def',
      GITHUB_API_URL: github.baseUrl,
      STAGE_DB_PASSWORD: ENV_SECRET,
    },
    event: { pull_request: { number: 7 } },
    timeoutMs: 80_000,
  });
  t.after(() => removeRunDir(run));

  assert.equal(run.code, 1, `the gate fails this stage\n${run.stdout}\n${run.stderr}`);
  assert.equal(run.outputs['verdict'], 'not-ready');
  assert.equal(github.comments.length, 1, 'one PR comment');
  const comment = github.comments[0]!.body;
  const report = readFileSync(run.outputs['report-json']!, 'utf8');
  const renderings: Record<string, string> = {
    'PR comment': comment,
    'job summary': run.summary,
    'markdown output': run.outputs['markdown']!,
    'JSON report': report,
  };
  t.diagnostic(
    `comment ${comment.length} chars, summary ${run.summary.length} chars, JSON report ${report.length} chars`,
  );

  // The stage's text did reach every rendering (otherwise the rest proves nothing) ...
  for (const [where, text] of Object.entries(renderings)) {
    assert.match(text, /alert\(1\)/, `${where} shows the stage's text`);
    // ... without a secret: the known ones and the token-shaped one are all replaced.
    for (const secret of [GITHUB_TOKEN, ENV_SECRET, STRAY_TOKEN])
      assert.ok(!text.includes(secret), `${where} leaks ${secret.slice(0, 8)}…`);
    // `***`, or `\*\*\*` where markdown escaping applies.
    assert.match(text, /\*\*\*|\\\*\\\*\\\*/, `${where} shows where a secret was removed`);
  }

  for (const [where, markdown] of Object.entries(renderings)) {
    if (where === 'JSON report') continue;
    const prose = outsideCode(markdown);
    for (const tag of [/<script/i, /<img/i, /<iframe/i, /<details open/i])
      assert.doesNotMatch(prose, tag, `${where}: no raw ${tag.source}`);
    assert.match(prose, /&lt;script&gt;/, `${where}: the HTML is shown escaped`);
    assert.doesNotMatch(prose, /(?<!\\)\]\((?:javascript|http)/, `${where}: no link or image from the stage`);
    assert.doesNotMatch(prose, /@octocat/, `${where}: nobody is mentioned`);
    assert.doesNotMatch(prose, /^#+ pwned/m, `${where}: no heading from the stage`);
    // The renderer's own structure holds: every <details> closed once, no extra comment marker.
    assert.equal(
      (prose.match(/<details>/g) ?? []).length,
      (prose.match(/<\/details>/g) ?? []).length,
      `${where}: details balanced`,
    );
    assert.equal(
      (prose.match(/<\/summary>/g) ?? []).length,
      (prose.match(/<summary>/g) ?? []).length,
      `${where}: summaries balanced`,
    );
  }
  assert.ok(comment.startsWith(`${commentMarker('gate')}\n`), 'the comment starts with its own marker');
  assert.equal(comment.split('<!--').length - 1, 1, 'and holds no other HTML comment');

  // The log: nothing the stage said starts a line the runner would run as a workflow command.
  const log = run.stdout.split('\n');
  const injected = log.flatMap((line, i) =>
    /^\s*(::|##\[)/.test(line) && /pwned|add-mask::everything/.test(line)
      ? [`${line.slice(0, 80)} (after: ${(log[i - 1] ?? '').slice(0, 120)})`]
      : [],
  );
  assert.deepEqual(injected, [], 'workflow commands injected by the stage');
  for (const secret of [ENV_SECRET, STRAY_TOKEN]) assert.ok(!run.summary.includes(secret));
});

/** Lines the runner would run: `::` at the start (after spaces), or `##[` anywhere. */
const runnable = (text: string) => text.split(/\r\n|\r|\n/).filter((line) => /^\s*::|##\[/.test(line));

test('the CLI run in a workflow: nothing the stage said becomes a workflow command on stdout or stderr', async (t) => {
  const stage = await startHostileStage();
  t.after(() => stage.close());
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    [
      '--driver',
      'external',
      '--base-url',
      stage.baseUrl,
      '--language',
      'en',
      '--replicas',
      '2',
      '--healthz-requests',
      '4',
      '--single-flight-burst',
      '3',
      '--narrator-burst',
      '3',
      '--capacity-budget-seconds',
      '3',
      '--request-timeout-seconds',
      '5',
    ],
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      createDriver: (settings, log) => createDriver(driverChoiceFor(settings, { log })),
    },
  );
  assert.equal(code, 1, stderr);
  assert.match(stdout + stderr, /alert\(1\)/, "the stage's text was printed");
  assert.deepEqual(runnable(stdout), [], 'stdout');
  assert.deepEqual(runnable(stderr), [], 'stderr');
});

test('neutralizeWorkflowCommands breaks both command syntaxes and changes nothing else', () => {
  const hostile =
    'ok line\n::error::x\n   ::add-mask::y\r\nbefore ##[error]z\r::set-output name=a::b\n: : fine :: too';
  const safe = neutralizeWorkflowCommands(hostile);
  assert.deepEqual(runnable(safe), []);
  assert.equal(safe.replace(/\u200B/g, ''), hostile.replace(/\r\n|\r/g, '\n'));
  assert.equal(
    neutralizeWorkflowCommands('✅ load-balancing: 3/3 replicas'),
    '✅ load-balancing: 3/3 replicas',
  );
});
