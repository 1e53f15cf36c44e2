/**
 * The README is a front page a new user reads in five minutes, and the user docs hold no development
 * history: short, with the picture of a real report, one complete workflow GitHub's own parser accepts,
 * the two commands for a fresh machine that CI's .ci/run also runs, and no issue numbers or stories.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse } from 'yaml';
import { ALL_INPUT_NAMES } from '../../src/action/constants.js';
import { REPO_ROOT } from '../action/run-entry.js';
import { userDocs } from './doc-links.js';

const README_MAX_LINES = 300;
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const readme = read('README.md');

test(`the README is at most ${README_MAX_LINES} lines`, () => {
  const lines = readme.split('\n').length;
  assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
});

test('the README shows the picture of a real job summary, a PNG in docs/images', () => {
  const image = /!\[[^\]]+\]\((docs\/images\/report-summary\.png)\)/.exec(readme)?.[1];
  assert.ok(image, 'the README embeds docs/images/report-summary.png');
  for (const picture of [image, 'docs/images/report-comment-trend.png', 'docs/images/report-capacity.png']) {
    const bytes = readFileSync(join(REPO_ROOT, picture));
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], picture);
    assert.ok(bytes.length > 20_000, `${picture} holds a rendered report, not a placeholder`);
  }
});

test('no development history in the README or docs/: no issue numbers, no one who ran what', () => {
  const history = /issue [0-9]|other engineers/i;
  for (const file of userDocs(REPO_ROOT)) {
    const lines = read(file).split('\n');
    const found = lines.flatMap((line, index) =>
      history.test(line) ? [`${file}:${index + 1}: ${line}`] : [],
    );
    assert.deepEqual(found, [], file);
  }
});

test("the README's two commands for a fresh machine are the ones .ci/run and npm run", () => {
  assert.match(readme, /^bash \.ci\/setup && npm run gate:local$/m);
  assert.match(readme, /^bash \.ci\/setup && npm test$/m);
  const ciRun = read('.ci/run');
  assert.match(ciRun, /^bash \.ci\/setup$/m);
  assert.match(ciRun, /^npm test$/m);
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  assert.ok(scripts['gate:local'] && scripts['test'] && scripts['docs:report-picture']);
  assert.ok(existsSync(join(REPO_ROOT, '.ci/report-picture')));
});

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

test("the README's workflow is complete: GitHub's parser accepts it, and it uses <owner>/stagegate@v1 with real inputs", () => {
  const yaml = /```yaml\n(name: [\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(yaml, 'the README holds one complete workflow');
  const errors = parseWorkflow({ name: 'README.md', content: yaml }, new NoOperationTraceWriter())
    .context.errors.getErrors()
    .map((error) => error.message);
  assert.deepEqual(errors, []);
  const workflow = parse(yaml) as { jobs: Record<string, { name: string; steps: Step[] }> };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const gate = steps.find((step) => step.uses === '<owner>/stagegate@v1');
  assert.ok(gate, 'the workflow uses <owner>/stagegate@v1');
  for (const name of Object.keys(gate.with ?? {})) assert.ok(ALL_INPUT_NAMES.includes(name), name);
  assert.ok(
    steps.some((step) => step.uses?.startsWith('actions/upload-artifact@')),
    'the logs are uploaded',
  );
});
