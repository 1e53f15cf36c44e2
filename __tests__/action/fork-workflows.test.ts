/**
 * The two workflows of the set-up for pull requests from forks, this repository's own and the shipped
 * examples: accepted by GitHub's own workflow parser (@actions/workflow-parser), and
 * shaped so that the publishing one is safe: it runs nothing from the pull request, reads the artifact
 * only as data, and asks for no more permission than it uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';
import { ALL_INPUT_NAMES } from '../../src/action/constants.js';
import { REPO_ROOT } from './run-entry.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  id?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Workflow {
  name: string;
  on: Record<string, { workflows?: string[]; types?: string[] } | null>;
  permissions: Record<string, string>;
  jobs: Record<string, { name: string; if?: string; steps: Step[]; permissions?: unknown }>;
}

const PAIRS = [
  { gate: '.github/workflows/stagegate.yml', publish: '.github/workflows/stagegate-publish.yml', own: true },
  {
    gate: 'examples/workflows/stagegate.yml',
    publish: 'examples/workflows/stagegate-publish.yml',
    own: false,
  },
];

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const load = (path: string) => parse(read(path)) as Workflow;
const stepsOf = (workflow: Workflow) => Object.values(workflow.jobs).flatMap((job) => job.steps);
const isAction = (step: Step) =>
  step.uses === './' || /^(?:[\w-]+|<owner>)\/stagegate@/.test(step.uses ?? '');

/** What GitHub's workflow parser objects to in a workflow file; empty when it accepts it. */
function workflowErrors(path: string, content: string): string[] {
  return parseWorkflow({ name: path, content }, new NoOperationTraceWriter())
    .context.errors.getErrors()
    .map((error) => error.message);
}

test("every one is accepted by GitHub's workflow parser", () => {
  for (const path of PAIRS.flatMap((pair) => [pair.gate, pair.publish]))
    assert.deepEqual(workflowErrors(path, read(path)), [], path);
  // The check can fail: a misspelt permission level and an unknown step key are caught.
  const broken = read(PAIRS[0]!.publish)
    .replace('pull-requests: write', 'pull-requests: writ')
    .replace(
      'uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0',
      'uses: actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0\n        bogus: 1',
    );
  const errors = workflowErrors('broken.yml', broken);
  assert.ok(errors.length >= 2, `a broken workflow is refused: ${errors.join('; ')}`);
});

for (const pair of PAIRS) {
  test(`${pair.gate}: read-only, uploads the report and the PR number, keeps main's report as the baseline`, () => {
    const gate = load(pair.gate);
    assert.deepEqual(gate.permissions, { contents: 'read' });
    assert.ok('pull_request' in gate.on && 'push' in gate.on);
    const steps = stepsOf(gate);
    const action = steps.find(isAction)!;
    for (const name of Object.keys(action.with ?? {})) assert.ok(ALL_INPUT_NAMES.includes(name), name);
    assert.equal(action.with?.['pr-comment'], false, 'the gate does not comment');
    assert.equal(action.with?.['json-report'], '.stagegate/report.json');
    // The baseline's cache (others, such as the narrator's model, sit beside it).
    const baselineCache = (kind: 'restore' | 'save') => (s: Step) =>
      (s.uses?.startsWith(`actions/cache/${kind}@`) ?? false) &&
      String(s.with?.['path']).startsWith('.stagegate-baseline/');
    const restore = steps.find(baselineCache('restore'))!;
    assert.equal(action.with?.['baseline-report'], restore.with?.['path']);
    assert.ok(steps.indexOf(restore) < steps.indexOf(action));

    const upload = steps.find((s) => s.with?.['name'] === 'stagegate-report')!;
    assert.ok(upload.uses?.startsWith('actions/upload-artifact@'));
    assert.match(upload.if ?? '', /github\.event_name == 'pull_request'/);
    assert.deepEqual(String(upload.with?.['path']).trim().split('\n'), [
      '.stagegate/report.json',
      '.stagegate/pull-request-number',
    ]);
    const note = steps.find((s) => s.run?.includes('.stagegate/pull-request-number'))!;
    assert.equal(note.env?.['PR_NUMBER'], '${{ github.event.pull_request.number }}');
    assert.doesNotMatch(note.run!, /\$\{\{/, 'no expression is pasted into the script');

    const save = steps.find(baselineCache('save'))!;
    assert.match(save.if ?? '', /github\.event_name == 'push'/, 'only runs on main save a baseline');
    assert.equal(save.with?.['path'], restore.with?.['path']);
    assert.ok(String(save.with?.['key']).startsWith(String(restore.with?.['restore-keys'])));
  });

  test(`${pair.publish}: on the gate's workflow_run, never runs the pull request's code, posts by publish mode`, () => {
    const gate = load(pair.gate);
    const publish = load(pair.publish);
    assert.deepEqual(Object.keys(publish.on), ['workflow_run']);
    assert.deepEqual(publish.on.workflow_run, { workflows: [gate.name], types: ['completed'] });
    assert.deepEqual(
      publish.permissions,
      pair.own
        ? { actions: 'read', contents: 'read', 'pull-requests': 'write' }
        : { actions: 'read', 'pull-requests': 'write' },
    );
    const job = Object.values(publish.jobs)[0]!;
    assert.equal(job.permissions, undefined, 'no job widens the permissions');
    assert.match(job.if ?? '', /github\.event\.workflow_run\.event == 'pull_request'/);
    const steps = job.steps;
    const text = read(pair.publish);
    // The pull request's code is never fetched: no checkout of its head, no ref at all.
    for (const step of steps.filter((s) => s.uses?.startsWith('actions/checkout@')))
      assert.equal(step.with?.['ref'], undefined, 'checkout of the default branch only');
    assert.doesNotMatch(text, /head_branch|head\.ref|refs\/pull|pull_request\.head/);
    // No script sees an expression: the only run step reads digits from the artifact.
    for (const step of steps.filter((s) => s.run !== undefined))
      assert.doesNotMatch(step.run!, /\$\{\{/, `${step.name}: expression in a script`);

    const download = steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    assert.equal(download.with?.['name'], 'stagegate-report');
    assert.equal(download.with?.['run-id'], '${{ github.event.workflow_run.id }}');
    assert.match(String(download.with?.['path']), /^\$\{\{ runner\.temp \}\}\//, 'outside the workspace');
    const pr = steps.find((s) => s.id === 'pr')!;
    assert.match(pr.run!, /tr -dc '0-9'/);

    const action = steps.find(isAction)!;
    for (const name of Object.keys(action.with ?? {})) assert.ok(ALL_INPUT_NAMES.includes(name), name);
    assert.equal(action.with?.['mode'], 'publish');
    assert.equal(action.with?.['report-file'], `${String(download.with?.['path'])}/report.json`);
    assert.equal(action.with?.['pull-request-number'], '${{ steps.pr.outputs.number }}');
    assert.equal(action.with?.['head-sha'], '${{ github.event.workflow_run.head_sha }}');
    assert.ok(steps.indexOf(download) < steps.indexOf(action));
  });
}
