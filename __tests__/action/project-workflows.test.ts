/**
 * The project's own CI on GitHub (.github/workflows/ci.yml, stage-official.yml, codeql.yml,
 * release.yml). None of it can run here (no GitHub, no registry to pull the official images from), so
 * each is read: the required checks have fixed names and report on every pull request, stage-official
 * boots the compose file as written with the official images and runs the same seed procedure script
 * as the real-engine test, and the release workflow checks and tests before it creates anything.
 * workflow-hardening.test.ts parses them with GitHub's parser and checks pinning and permissions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GateSettingsSchema } from '../../src/gate/settings.js';
import { ALL_INPUT_NAMES } from '../../src/action/constants.js';
import { REPO_ROOT } from './run-entry.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  name: string;
  needs?: string | string[];
  if?: string;
  'runs-on': string;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: unknown;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, Record<string, unknown> | null>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const load = (path: string) => parse(read(path)) as Workflow;
const jobNamed = (workflow: Workflow, name: string) =>
  Object.values(workflow.jobs).find((j) => j.name === name)!;
const stepIndex = (job: Job, predicate: (step: Step) => boolean) => job.steps.findIndex(predicate);

/** A required check must report on every pull request: a fixed name and no path filter. */
function assertRequiredCheck(workflow: Workflow, name: string) {
  const job = jobNamed(workflow, name);
  assert.ok(job, `a job named ${name}`);
  assert.doesNotMatch(job.name, /\$\{\{/);
  assert.equal(job.strategy, undefined, 'no matrix: one check, one name');
  assert.ok('pull_request' in workflow.on, `${name} runs on pull requests`);
  for (const trigger of Object.values(workflow.on)) {
    assert.equal(trigger?.['paths'], undefined);
    assert.equal(trigger?.['paths-ignore'], undefined);
  }
  assert.equal(job['runs-on'], 'ubuntu-latest');
}

test('ci.yml: "test" runs bash .ci/run, the same script as here', () => {
  const ci = load('.github/workflows/ci.yml');
  assertRequiredCheck(ci, 'test');
  const job = jobNamed(ci, 'test');
  assert.deepEqual(
    job.steps.filter((s) => s.run?.includes('.ci/')).map((s) => s.run),
    ['bash .ci/run'],
  );
  assert.deepEqual(job.permissions, { contents: 'read' });
});

test('ci.yml: "check-dist" rebuilds dist/ and fails on any difference', () => {
  const ci = load('.github/workflows/ci.yml');
  assertRequiredCheck(ci, 'check-dist');
  const job = jobNamed(ci, 'check-dist');
  const build = stepIndex(job, (s) => s.run === 'npm run package');
  const compare = stepIndex(job, (s) => s.run === 'bash .ci/check-dist');
  assert.ok(build >= 0 && build < compare);
  assert.ok(stepIndex(job, (s) => s.run?.startsWith('npm ci') ?? false) < build);
  // The script named in the job is the one that fails on a difference (changed, deleted or new files).
  assert.match(read('.ci/check-dist'), /git status --porcelain --untracked-files=all -- dist\//);
});

test('stage-official.yml: the compose file as written, the official images, no image variable', () => {
  const flow = load('.github/workflows/stage-official.yml');
  assertRequiredCheck(flow, 'stage-official');
  const job = jobNamed(flow, 'stage-official');
  const text = read('.github/workflows/stage-official.yml');
  // The gate's own default compose file, and nothing that would swap an image for a stand-in.
  assert.equal(job.env?.['COMPOSE_FILE_PATH'], GateSettingsSchema.parse({}).composeFile);
  const imageVariables = /\b(?:REDIS|GATEWAY|OLLAMA|PROMETHEUS|GRAFANA|TEMPO)_IMAGE\b|\bAPI_NODE_IMAGE\b/;
  const envs = [flow as unknown as { env?: object }, job, ...job.steps].map((x) => Object.keys(x.env ?? {}));
  for (const names of envs) for (const name of names) assert.doesNotMatch(name, imageVariables, name);
  assert.doesNotMatch(text, /--env-file|compose-setup/);
  // The guard step refuses a set image variable or a local image, should one come from elsewhere.
  const guard = job.steps.find((s) => s.name?.startsWith('The compose file as written'))!;
  for (const step of job.steps.filter((s) => s !== guard))
    assert.doesNotMatch(JSON.stringify(step), /stagegate-local\//, step.name ?? step.uses);
  assert.match(guard.run!, /_IMAGE=/);
  assert.match(guard.run!, /config --images/);
  assert.match(guard.run!, /stagegate-local\//);
});

test('stage-official.yml: the model pulled and cached as in the example workflow', () => {
  const job = jobNamed(load('.github/workflows/stage-official.yml'), 'stage-official');
  const example = Object.values(load('.github/workflows/stagegate.yml').jobs)[0]!;
  for (const name of ['OLLAMA_MODEL', 'OLLAMA_MODELS_DIR'])
    assert.equal(job.env?.[name], example.env?.[name], name);
  const cacheStep = (steps: Step[], kind: string) =>
    steps.find(
      (s) => s.uses?.startsWith(`actions/cache/${kind}@`) && s.with?.['path'] === '.stagegate/ollama-models',
    )!;
  for (const kind of ['restore', 'save']) {
    const mine = cacheStep(job.steps, kind);
    const theirs = cacheStep(example.steps, kind);
    assert.deepEqual(mine.with, theirs.with, kind);
    assert.equal(mine.uses, theirs.uses, kind);
  }
  const gate = stepIndex(job, (s) => s.id === 'gate');
  const save = stepIndex(job, (s) => s.uses?.startsWith('actions/cache/save@') ?? false);
  assert.match(job.steps[save]!.if!, /steps\.gate\.outputs\.boot-failed == 'false'/, 'only a whole model');
  assert.ok(gate < save);
});

test('stage-official.yml: the seed procedure (the real-engine test’s script), then the action, then the summary uploaded', () => {
  const job = jobNamed(load('.github/workflows/stage-official.yml'), 'stage-official');
  const procedure = stepIndex(job, (s) => s.run === 'bash .ci/seed-procedure');
  const down = stepIndex(job, (s) => /down -v/.test(s.run ?? ''));
  const gate = stepIndex(job, (s) => s.uses === './');
  assert.ok(procedure >= 0 && procedure < down && down < gate, 'procedure, teardown, then the action');
  // On the procedure's stage, before its teardown: a scale-out 3 → 4 under traffic that loses nothing.
  const scaleOut = stepIndex(job, (s) => s.run === 'bash .ci/scale-out-probe');
  assert.ok(procedure < scaleOut && scaleOut < down, 'the scale-out probe runs on the procedure’s stage');
  assert.match(read('.ci/scale-out-probe'), /up -d --no-recreate --scale api=4 --wait api/);
  assert.equal(job.steps[gate]!.id, 'gate');
  for (const name of Object.keys(job.steps[gate]!.with ?? {}))
    assert.ok(ALL_INPUT_NAMES.includes(name), name);
  assert.equal(job.steps[gate]!.with?.['driver'], 'compose');
  // The summary: the report's markdown, written from the step's output through env (no expression in
  // the script), then uploaded with the JSON report and the logs, whatever the verdict.
  const keep = job.steps.find((s) => s.run?.includes('.stagegate/job-summary.md'))!;
  assert.equal(keep.env?.['MARKDOWN'], '${{ steps.gate.outputs.markdown }}');
  assert.doesNotMatch(keep.run!, /\$\{\{/);
  const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
  assert.equal(upload.if, 'always()');
  assert.deepEqual(String(upload.with?.['path']).trim().split('\n'), [
    '.stagegate/',
    '!.stagegate/ollama-models/',
  ]);
  assert.ok(job.steps.indexOf(keep) < job.steps.indexOf(upload));

  // The same steps as the real-engine test: that test runs this very script, and the script holds the
  // seed's procedure (up --build --scale api=3, ps, the curl steps).
  const slowTest = read('__tests__/stage/compose/compose-stage.slow.test.ts');
  assert.match(slowTest, /spawnSync\('bash', \['\.ci\/seed-procedure'/);
  const script = read('.ci/seed-procedure');
  for (const step of [
    /up -d --build --scale api=3 --wait/,
    /"\$\{compose\[@\]\}" ps\n/,
    /curl -sS --max-time 10 -o \/dev\/null -D - "\$gateway\/healthz"/,
    /"\$gateway\/ask"/,
    /count\(up\{job="api"\} == 1\)/,
  ])
    assert.match(script, step);
});

test('codeql.yml: JavaScript/TypeScript, the upload permission on the job only', () => {
  const flow = load('.github/workflows/codeql.yml');
  assertRequiredCheck(flow, 'CodeQL');
  const job = jobNamed(flow, 'CodeQL');
  assert.deepEqual(flow.permissions, {});
  assert.deepEqual(job.permissions, { contents: 'read', 'security-events': 'write' });
  const init = job.steps.find((s) => s.uses?.startsWith('github/codeql-action/init@'))!;
  assert.equal(init.with?.['languages'], 'javascript-typescript');
  assert.ok(job.steps.some((s) => s.uses?.startsWith('github/codeql-action/analyze@')));
});

test('release.yml: on a vX.Y.Z tag, check dist/ and test, then (guarded) the release and the v1 move', () => {
  const flow = load('.github/workflows/release.yml');
  assert.deepEqual(flow.on['push'], { tags: ['v*.*.*'] });
  assert.deepEqual(flow.permissions, {});
  const verify = jobNamed(flow, 'release verify');
  const publish = jobNamed(flow, 'release publish');
  assert.deepEqual(verify.permissions, { contents: 'read' });
  const check = stepIndex(verify, (s) => s.run === 'bash .ci/release-check check "$TAG"');
  const tests = stepIndex(verify, (s) => s.run === 'bash .ci/run');
  assert.ok(check >= 0 && check < tests, 'dist/ checked, then the tests');
  // Only the publishing job writes, only after verify, only on a pushed tag.
  assert.equal(publish.needs, 'verify');
  assert.deepEqual(publish.permissions, { contents: 'write' });
  assert.match(publish.if!, /github\.event_name == 'push'/);
  const runs = publish.steps.map((s) => s.run ?? '');
  const notes = runs.findIndex((r) => r.startsWith('bash .ci/release-check notes "$TAG"'));
  const create = runs.findIndex((r) => r.startsWith('gh release create "$TAG"'));
  const move = runs.findIndex((r) => r === 'bash .ci/release-check move-major "$TAG" --push origin');
  assert.ok(notes >= 0 && notes < create && create < move, 'notes, release, then v1');
  assert.match(runs[create]!, /--notes-file/);
  // The tag reaches scripts through env only.
  for (const step of [...verify.steps, ...publish.steps]) assert.doesNotMatch(step.run ?? '', /\$\{\{/);
});
