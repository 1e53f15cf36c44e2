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
  run?: string;
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
  jobs: Record<
    string,
    {
      name: string;
      steps: Step[];
      env?: Record<string, string>;
      'timeout-minutes'?: number;
      strategy?: unknown;
    }
  >;
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
    (s) =>
      s.uses?.startsWith('actions/upload-artifact@') &&
      String(s.with?.['path']).trim().split('\n').includes('.stagegate/'),
  );
  assert.ok(upload);
  assert.equal(upload.if, 'always()');
  assert.ok(job.steps.indexOf(upload) > job.steps.indexOf(gate));
  const paths = String(upload.with?.['path']).trim().split('\n');
  assert.equal(paths[0]!.replace(/\/$/, ''), String(gate.with?.['log-dir']).split('/')[0]);
});

/** The full sample workflow of the docs ("A full workflow" in docs/using-the-action.md), which users copy. */
const readmeWorkflow = parse(
  /```yaml\n(name: stagegate\n[\s\S]*?)```/.exec(
    readFileSync(new URL('../../docs/using-the-action.md', import.meta.url), 'utf8'),
  )![1]!,
) as Workflow;

for (const [where, flow] of [
  ['.github/workflows/stagegate.yml', workflow],
  ['docs/using-the-action.md', readmeWorkflow],
] as const) {
  test(`${where}, warm runs: the narrator's model folder is cached by the model's name, owned by the runner, not uploaded`, () => {
    const job = Object.values(flow.jobs)[0]!;
    const steps = job.steps;
    const at = (predicate: (step: Step) => boolean) => steps.findIndex(predicate);
    const gate = at((s) => s.id === 'gate');
    // The folder the compose file bind-mounts (OLLAMA_MODELS_DIR) is the folder cached.
    const folder = '.stagegate/ollama-models';
    assert.equal(job.env?.['OLLAMA_MODELS_DIR'], `\${{ github.workspace }}/${folder}`);
    assert.ok(job.env?.['OLLAMA_MODEL'], 'the model is named once, for the stage and the cache key');
    // Other caches (the trend's baseline) sit beside this one: the model's is the one of its folder.
    const cacheOf = (kind: 'restore' | 'save') => (s: Step) =>
      (s.uses?.startsWith(`actions/cache/${kind}@`) ?? false) && s.with?.['path'] === folder;
    const restore = at(cacheOf('restore'));
    assert.ok(restore >= 0 && restore < gate, 'restored before the gate boots the stage');
    assert.equal(steps[restore]!.with?.['path'], folder);
    assert.match(String(steps[restore]!.with?.['key']), /\$\{\{ env\.OLLAMA_MODEL \}\}/);
    const chown = at((s) => /sudo chown -R .*\.stagegate\/ollama-models/.test(s.run ?? ''));
    const save = at(cacheOf('save'));
    assert.ok(gate < chown && chown < save, 'Ollama wrote as root: ownership is handed over before the save');
    for (const index of [chown, save]) assert.match(steps[index]!.if ?? '', /^always\(\) && /);
    assert.match(steps[save]!.if ?? '', /steps\.gate\.outputs\.boot-failed == 'false'/, 'only a whole model');
    assert.equal(steps[save]!.with?.['path'], folder);
    assert.equal(steps[save]!.with?.['key'], `\${{ steps.${steps[restore]!.id}.outputs.cache-primary-key }}`);
    const upload = steps.find(
      (s) =>
        s.uses?.startsWith('actions/upload-artifact@') &&
        String(s.with?.['path']).trim().split('\n').includes('.stagegate/'),
    )!;
    assert.ok(String(upload.with?.['path']).split('\n').includes(`!${folder}/`), 'the model is not uploaded');
  });

  test(`${where}, warm runs: the api image is built with the GitHub Actions layer cache and booted as built`, () => {
    const steps = Object.values(flow.jobs)[0]!.steps;
    const gate = steps.findIndex((s) => s.id === 'gate');
    const build = steps.findIndex((s) => s.uses?.startsWith('docker/build-push-action@') ?? false);
    assert.ok(build >= 0 && build < gate);
    assert.ok(steps.findIndex((s) => s.uses?.startsWith('docker/setup-buildx-action@') ?? false) < build);
    const with_ = steps[build]!.with ?? {};
    assert.equal(with_['file'], 'deploy/docker/api.Dockerfile');
    assert.equal(with_['load'], true);
    assert.match(String(with_['cache-from']), /^type=gha/);
    assert.match(String(with_['cache-to']), /^type=gha,mode=max/);
    // Compose names a built service's image <project>-<service>: the gate finds it and does not rebuild.
    const project = GATE_OPTIONS.find((o) => o.kebab === 'project-name')!.defaultText;
    assert.equal(with_['tags'], `${project}-api:latest`);
    assert.equal(steps[gate]!.with?.['build'], false);
  });
}
