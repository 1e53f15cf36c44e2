/**
 * docs/examples/stagegate-kind.yml cannot run here (no registry for kind's node image), so it is kept
 * valid by reading it: GitHub's own workflow parser (@actions/workflow-parser) accepts it, and what it
 * builds, loads, applies, waits for, forwards and gates is what deploy/kubernetes renders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parse, parseAllDocuments } from 'yaml';
import { ALL_INPUT_NAMES } from '../../../src/action/constants.js';
import { KUBERNETES_DIR } from '../../../src/stage/kubernetes/cluster-files.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PATH = 'docs/examples/stagegate-kind.yml';
const TEXT = readFileSync(join(ROOT, PATH), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { env: Record<string, string>; steps: Step[]; 'timeout-minutes': number }>;
}
const workflow = parse(TEXT) as Workflow;
const [job] = Object.values(workflow.jobs);
const steps = job!.steps;
const script = steps.map((step) => step.run ?? '').join('\n');
/** `$NAME` / `"$NAME"` of the job's env, replaced by its value. */
const expand = (text: string) =>
  text.replace(/"?\$([A-Z_]+)"?/g, (whole, name: string) => job!.env[name] ?? whole);

interface Rendered {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: {
    ports?: Array<{ port: number }>;
    template?: { spec: { containers: Array<{ image: string }> } };
  };
}

function render(overlay: string): Rendered[] {
  const text = execFileSync('kustomize', ['build', join(ROOT, overlay)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return parseAllDocuments(text).map((document) => document.toJS() as Rendered);
}

test("GitHub's workflow parser accepts it, and rejects a broken copy of it", () => {
  const errors = (content: string) =>
    parseWorkflow({ name: PATH, content }, new NoOperationTraceWriter())
      .context.errors.getErrors()
      .map((e) => e.message);
  assert.deepEqual(errors(TEXT), []);
  const broken = errors(
    TEXT.replace('runs-on:', 'run-on:').replace('timeout-minutes: 45', 'timeout-minutes: soon'),
  );
  assert.ok(
    broken.some((message) => /Required property is missing: runs-on/.test(message)),
    broken.join('\n'),
  );
  assert.ok(
    broken.some((message) => /Unexpected value 'soon'/.test(message)),
    broken.join('\n'),
  );
});

test('an example, not a workflow of this repository: only run by hand once copied', () => {
  assert.ok(!PATH.startsWith('.github/workflows/'));
  assert.deepEqual(Object.keys(workflow.on), ['workflow_dispatch']);
  assert.deepEqual(workflow.permissions, { contents: 'read', 'pull-requests': 'write' });
  assert.ok(job!['timeout-minutes'] > 0);
});

test('a kind cluster, the api image built from the Dockerfile and loaded under the tag the overlay runs', () => {
  assert.ok(steps.some((step) => step.uses?.startsWith('helm/kind-action@')));
  const build = /docker build -f (\S+) -t (\S+) \./.exec(expand(script));
  assert.ok(build, 'docker build step');
  assert.ok(existsSync(join(ROOT, build[1]!)), `${build[1]} exists`);
  const load = /kind load docker-image (\S+) --name (\S+)/.exec(expand(script));
  assert.equal(load?.[1], build[2], 'the built image is the loaded one');
  const kind = steps.find((step) => step.uses?.startsWith('helm/kind-action@'));
  assert.equal(kind?.with?.cluster_name, '${{ env.CLUSTER }}');
  assert.equal(load?.[2], job!.env.CLUSTER, 'loaded into the cluster the action created');

  const overlay = /kubectl apply -k (\S+)/.exec(script)?.[1] ?? '(none)';
  assert.ok(overlay.startsWith(`${KUBERNETES_DIR}/overlays/`), `applies an overlay: ${overlay}`);
  const objects = render(overlay);
  const api = objects.find((object) => object.kind === 'Deployment' && object.metadata.name === 'api');
  assert.equal(api?.spec?.template?.spec.containers[0]?.image, build[2], 'the overlay runs the loaded image');
});

test('it waits for every Deployment, forwards Services that exist, and gates through them', () => {
  const overlay = /kubectl apply -k (\S+)/.exec(script)![1]!;
  const objects = render(overlay);
  const namespace = job!.env.NAMESPACE;
  for (const object of objects.filter((o) => o.kind !== 'Namespace'))
    assert.equal(object.metadata.namespace, namespace);

  const waited = /for deployment in ([a-z ]+); do/.exec(script)?.[1]?.split(' ').sort();
  const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
  assert.deepEqual(waited, deployments.sort(), 'rollout status of every Deployment');

  const forwards = new Map<string, { local: number; remote: number }>();
  for (const match of script.matchAll(/port-forward svc\/(\S+) (\d+):(\d+)/g)) {
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === match[1]);
    assert.ok(service, `Service ${match[1]} exists`);
    assert.ok(
      service.spec?.ports?.some((port) => port.port === Number(match[3])),
      `${match[1]} has port ${match[3]}`,
    );
    forwards.set(match[1]!, { local: Number(match[2]), remote: Number(match[3]) });
  }

  const gate = steps.find((step) => step.uses === './');
  assert.ok(gate, "runs this repository's action");
  for (const name of Object.keys(gate.with ?? {}))
    assert.ok(ALL_INPUT_NAMES.includes(name), `${name} is an input`);
  assert.equal(gate.with?.driver, 'external');
  assert.equal(gate.with?.['base-url'], `http://127.0.0.1:${forwards.get('gateway')?.local}`);
  assert.equal(gate.with?.['prometheus-url'], `http://127.0.0.1:${forwards.get('prometheus')?.local}`);
  assert.match(gate.with?.replicas ?? '', /steps\.stage\.outputs\.replicas/);

  // The narrator limit the gate expects is read from the knob the replicas get.
  const knobs = /sed -n 's\/\^NARRATOR_MAX_CONCURRENCY=\/\/p' (\S+)\)/.exec(script)?.[1];
  assert.equal(knobs, `${KUBERNETES_DIR}/base/stage.env`);
  assert.match(readFileSync(join(ROOT, knobs), 'utf8'), /^NARRATOR_MAX_CONCURRENCY=\d+$/m);
  assert.match(
    gate.with?.['narrator-max-concurrency'] ?? '',
    /steps\.stage\.outputs\.narrator-max-concurrency/,
  );

  // What it keeps after the gate names every app of the stage, and is uploaded even when the gate fails.
  const kept = /for app in ([a-z ]+); do/.exec(script)?.[1]?.split(' ').sort();
  const apps = objects
    .filter((o) => o.kind === 'Deployment')
    .map((o) => o.metadata.labels?.['app.kubernetes.io/name'])
    .sort();
  assert.deepEqual(kept, apps);
  const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
  assert.equal(upload?.if, 'always()');
  assert.ok(steps.indexOf(upload!) > steps.indexOf(gate));
});
