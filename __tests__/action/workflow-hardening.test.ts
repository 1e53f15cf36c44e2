/**
 * Every workflow file of the repository (.github/workflows/, examples/, docs/examples/, wherever one
 * is) against GitHub's security hardening guide, as far as it can be read from the file:
 *   - accepted by GitHub's own workflow parser (@actions/workflow-parser);
 *   - every action from another repository pinned to a full commit SHA, its version in a comment;
 *   - permissions declared, never `write-all` / `read-all`, and write access only on the job that
 *     needs it;
 *   - no `pull_request_target` (nor `workflow_run`) job that checks out the pull request's code.
 * Each rule is shown failing on a copy of a real workflow with the fault put in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';
import { REPO_ROOT } from './run-entry.js';

type Permissions = string | Record<string, string> | undefined;
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  name?: string;
  uses?: string;
  permissions?: Permissions;
  steps?: Step[];
}
interface Workflow {
  on?: unknown;
  permissions?: Permissions;
  jobs?: Record<string, Job>;
}

/** Folders that hold no workflow of the project (dependencies, generated or scratch files). */
const NOT_SEARCHED = new Set([
  'node_modules',
  '.git',
  'dist',
  '.stagegate',
  '.stagegate-baseline',
  'coverage',
]);

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (NOT_SEARCHED.has(entry) || entry.startsWith('.compose-cache')) return [];
    if (statSync(path).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

/** A workflow is a YAML file with `on:` and `jobs:` at its top (compose, Kubernetes, ... are not). */
function isWorkflow(text: string): boolean {
  try {
    const document = parse(text) as Record<string, unknown> | null;
    return typeof document === 'object' && document !== null && 'on' in document && 'jobs' in document;
  } catch {
    return false;
  }
}

const WORKFLOW_FILES = yamlFilesUnder(REPO_ROOT)
  .filter((path) => isWorkflow(readFileSync(path, 'utf8')))
  .map((path) => relative(REPO_ROOT, path))
  .sort();
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/**
 * The one reference allowed without a SHA: the shipped examples' `<owner>/stagegate@v1`, a placeholder
 * the user fills in (the docs say how to pin it); it cannot run as written.
 */
const OWN_ACTION_PLACEHOLDER = /^<owner>\/stagegate@v\d+$/;
const PINNED = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}$/;
/** The expressions and refs that name a pull request's own code. */
const PR_CODE =
  /github\.event\.pull_request\.head|github\.head_ref|refs\/pull\/|github\.event\.workflow_run\.head|pull_request\.merge_commit_sha|gh pr checkout/;

function parserErrors(path: string, text: string): string[] {
  return parseWorkflow({ name: path, content: text }, new NoOperationTraceWriter())
    .context.errors.getErrors()
    .map((error) => `${path}: ${error.message}`);
}

const grantsWrite = (permissions: Permissions) =>
  typeof permissions === 'object' && Object.values(permissions).some((level) => level === 'write');

/** The hardening rules' complaints about one workflow file; empty when it follows them all. */
function hardeningProblems(path: string, text: string): string[] {
  const problems = parserErrors(path, text);
  const workflow = parse(text) as Workflow;
  const jobs = Object.entries(workflow.jobs ?? {});

  // Pinning: read from the lines, so the version comment is seen too.
  const usesLines = text.split('\n').filter((line) => /^\s*(?:-\s+)?uses:/.test(line));
  const parsedUses = jobs.flatMap(([, job]) => [job.uses, ...(job.steps ?? []).map((s) => s.uses)]);
  if (usesLines.length !== parsedUses.filter(Boolean).length)
    problems.push(`${path}: a \`uses:\` that is not on a line of its own`);
  for (const line of usesLines) {
    const [, reference = '', comment] = /uses:\s*['"]?([^'"\s#]+)['"]?\s*(?:#\s*(.*))?$/.exec(line) ?? [];
    if (reference.startsWith('./') || OWN_ACTION_PLACEHOLDER.test(reference)) continue;
    if (reference.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(reference))
        problems.push(`${path}: ${reference} is not pinned to a digest`);
      continue;
    }
    if (!PINNED.test(reference)) problems.push(`${path}: ${reference} is not pinned to a full commit SHA`);
    else if (!/^v\d+(?:\.\d+){0,2}\b/.test(comment ?? ''))
      problems.push(`${path}: ${reference} has no version comment (# vX.Y.Z)`);
  }

  // Permissions: declared, never the broad ones, write only where one job needs it.
  const levels = [workflow.permissions, ...jobs.map(([, job]) => job.permissions)];
  for (const level of levels) if (typeof level === 'string') problems.push(`${path}: permissions: ${level}`);
  for (const [id, job] of jobs)
    if (workflow.permissions === undefined && job.permissions === undefined)
      problems.push(
        `${path}: job ${id} has no permissions (and the workflow none): the token gets the defaults`,
      );
  if (jobs.length > 1 && grantsWrite(workflow.permissions))
    problems.push(
      `${path}: write permission for every job at the workflow's top: give it to the job that needs it`,
    );

  // Privileged triggers never run the pull request's code.
  const triggers =
    typeof workflow.on === 'string'
      ? [workflow.on]
      : Array.isArray(workflow.on)
        ? (workflow.on as string[])
        : Object.keys((workflow.on as object | null) ?? {});
  for (const trigger of triggers.filter((t) => t === 'pull_request_target' || t === 'workflow_run'))
    for (const [id, job] of jobs)
      for (const step of job.steps ?? []) {
        const fetched = [step.with?.['ref'], step.with?.['repository'], step.run].map((v) => String(v ?? ''));
        if (fetched.some((value) => PR_CODE.test(value)))
          problems.push(`${path}: job ${id} checks out the pull request's code on ${trigger}`);
      }
  return problems;
}

test('the workflow files found: the project CI, the gate and its publisher, the shipped examples', () => {
  for (const expected of [
    '.github/workflows/ci.yml',
    '.github/workflows/stage-official.yml',
    '.github/workflows/codeql.yml',
    '.github/workflows/release.yml',
    '.github/workflows/stagegate.yml',
    '.github/workflows/stagegate-publish.yml',
    'examples/workflows/stagegate.yml',
    'examples/workflows/stagegate-publish.yml',
    'docs/examples/stagegate-kind.yml',
  ])
    assert.ok(WORKFLOW_FILES.includes(expected), `${expected} among ${WORKFLOW_FILES.join(', ')}`);
  // The compose file and the Kubernetes manifests are YAML, not workflows.
  assert.ok(!WORKFLOW_FILES.some((path) => path.startsWith('deploy/')));
});

for (const path of WORKFLOW_FILES)
  test(`${path}: parsed by GitHub's parser, actions pinned, least permissions, no PR code on a privileged trigger`, () => {
    assert.deepEqual(hardeningProblems(path, read(path)), []);
  });

const CI = '.github/workflows/ci.yml';

test('a copy with an unpinned third-party action fails, naming it', () => {
  const copy = read(CI).replace(
    'uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0',
    'uses: actions/checkout@v4',
  );
  assert.ok(
    hardeningProblems('copy.yml', copy).includes(
      'copy.yml: actions/checkout@v4 is not pinned to a full commit SHA',
    ),
  );
  // A SHA without its version comment, a short SHA and an image by tag fail too.
  const noComment = read(CI).replace('# v4.4.0', '');
  assert.ok(hardeningProblems('copy.yml', noComment).some((p) => /has no version comment/.test(p)));
  const short = read(CI).replace('@11d5960a326750d5838078e36cf38b85af677262', '@11d5960');
  assert.ok(
    hardeningProblems('copy.yml', short).some((p) => /actions\/checkout@11d5960 is not pinned/.test(p)),
  );
  const image = read(CI).replace(
    'uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262 # v4.4.0',
    'uses: docker://alpine:3.20',
  );
  assert.ok(
    hardeningProblems('copy.yml', image).includes('copy.yml: docker://alpine:3.20 is not pinned to a digest'),
  );
});

test('a copy with `permissions: write-all` fails, and so does one with no permissions or write for all jobs', () => {
  const writeAll = read(CI).replace('permissions: {}', 'permissions: write-all');
  assert.ok(hardeningProblems('copy.yml', writeAll).includes('copy.yml: permissions: write-all'));
  const jobWriteAll = read(CI).replace(
    '    permissions:\n      contents: read # check out the code\n',
    '    permissions: write-all\n',
  );
  assert.ok(hardeningProblems('copy.yml', jobWriteAll).includes('copy.yml: permissions: write-all'));
  const none = read(CI)
    .replace('permissions: {}\n', '')
    .replaceAll('    permissions:\n      contents: read # check out the code\n', '');
  assert.ok(hardeningProblems('copy.yml', none).some((p) => /job test has no permissions/.test(p)));
  const topWrite = read(CI).replace('permissions: {}', 'permissions:\n  contents: write');
  assert.ok(hardeningProblems('copy.yml', topWrite).some((p) => /write permission for every job/.test(p)));
});

test('a copy with a pull_request_target job that checks out the pull request head fails', () => {
  const target = read(CI)
    .replace('on:\n  pull_request:\n', 'on:\n  pull_request_target:\n')
    .replace(
      '          persist-credentials: false\n      - uses: actions/setup-node',
      '          persist-credentials: false\n          ref: ${{ github.event.pull_request.head.sha }}\n      - uses: actions/setup-node',
    );
  assert.notEqual(target, read(CI));
  assert.deepEqual(
    hardeningProblems('copy.yml', target).filter((p) => /pull request's code/.test(p)),
    ["copy.yml: job test checks out the pull request's code on pull_request_target"],
  );
  // The same job on pull_request (the PR's own, read-only context) is how it should be done.
  const plain = target.replace('pull_request_target:', 'pull_request:');
  assert.deepEqual(hardeningProblems('copy.yml', plain), []);
});

test("a copy GitHub's parser refuses fails", () => {
  const broken = read(CI).replace('runs-on: ubuntu-latest', 'run-on: ubuntu-latest');
  assert.ok(hardeningProblems('copy.yml', broken).some((p) => /runs-on/.test(p)));
});

interface DependabotConfig {
  version: number;
  updates: Array<{ 'package-ecosystem': string; directory: string; schedule: { interval: string } }>;
}

test('dependabot: npm, the workflows’ actions and the compose file’s images, in folders that exist', () => {
  const config = parse(read('.github/dependabot.yml')) as DependabotConfig;
  assert.equal(config.version, 2);
  const ecosystems = config.updates.map((update) => update['package-ecosystem']);
  for (const ecosystem of ['npm', 'github-actions', 'docker-compose'])
    assert.ok(ecosystems.includes(ecosystem), ecosystem);
  for (const update of config.updates) {
    assert.ok(existsSync(join(REPO_ROOT, update.directory)), update.directory);
    assert.ok(['daily', 'weekly', 'monthly'].includes(update.schedule.interval));
  }
  const compose = config.updates.find((update) => update['package-ecosystem'] === 'docker-compose')!;
  assert.ok(existsSync(join(REPO_ROOT, compose.directory, 'docker-compose.stage.yaml')));
});
