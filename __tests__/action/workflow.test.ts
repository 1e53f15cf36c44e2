import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { GATE_OPTIONS } from '../../src/gate/settings.js';
import { ALL_INPUT_NAMES } from '../../src/action/constants.js';

interface Step {
  uses?: string;
  id?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<
    string,
    {
      branches?: string[];
      paths?: unknown;
      inputs?: Record<string, { type: string; default: unknown }>;
    } | null
  >;
  permissions: Record<string, string>;
  jobs: Record<string, { name: string; steps: Step[]; 'timeout-minutes'?: number; strategy?: unknown }>;
}

const workflow = parse(
  readFileSync(new URL('../../.github/workflows/stagegate.yml', import.meta.url), 'utf8'),
) as Workflow;

test('runs on pull requests, pushes to main and by hand, with no path filter that could leave a required check pending', () => {
  assert.deepEqual(Object.keys(workflow.on).sort(), ['pull_request', 'push', 'workflow_dispatch']);
  assert.deepEqual(workflow.on.push?.branches, ['main']);
  for (const trigger of Object.values(workflow.on)) {
    assert.equal(trigger?.paths, undefined);
    assert.equal((trigger as Record<string, unknown> | null)?.['paths-ignore'], undefined);
  }
  const inputs = workflow.on.workflow_dispatch?.inputs ?? {};
  assert.deepEqual(Object.keys(inputs).sort(), ['concurrency', 'narrator-max-concurrency', 'replicas']);
  for (const name of Object.keys(inputs))
    assert.ok(ALL_INPUT_NAMES.includes(name), `${name} is an action input`);
  const defaults = Object.fromEntries(GATE_OPTIONS.map((o) => [o.kebab, o.defaultText]));
  for (const [name, input] of Object.entries(inputs))
    assert.equal(String(input.default), defaults[name], name);
});

test('minimal permissions: read the code, nothing else (stagegate-publish.yml writes the PR comment)', () => {
  assert.deepEqual(workflow.permissions, { contents: 'read' });
});

test('one job with a fixed name, the action, and the logs uploaded even when the gate fails', () => {
  const jobs = Object.values(workflow.jobs);
  assert.equal(jobs.length, 1);
  const job = jobs[0]!;
  assert.equal(job.name, 'stagegate');
  assert.doesNotMatch(job.name, /\$\{\{/, 'a required check needs a name that does not change');
  assert.equal(job.strategy, undefined);
  assert.ok((job['timeout-minutes'] ?? 0) > 0);
  const gate = job.steps.find((s) => s.uses === './');
  assert.ok(gate, "the workflow runs this repository's action");
  for (const name of Object.keys(gate.with ?? {}))
    assert.ok(ALL_INPUT_NAMES.includes(name), `${name} is an action input`);
  const upload = job.steps.find(
    (s) => s.uses?.startsWith('actions/upload-artifact@') && s.with?.['path'] === '.stagegate/',
  );
  assert.ok(upload);
  assert.equal(upload.if, 'always()');
  assert.ok(job.steps.indexOf(upload) > job.steps.indexOf(gate));
  assert.equal(
    String(upload.with?.['path']).replace(/\/$/, ''),
    String(gate.with?.['log-dir']).split('/')[0],
  );
});
