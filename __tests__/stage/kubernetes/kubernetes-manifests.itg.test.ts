/**
 * deploy/kubernetes, rendered by the real `kustomize build` (base and every overlay), and every object it
 * emits judged against Kubernetes v1.36's API by a library (./manifest-validation.ts). Then the stage's
 * shape as the gate relies on it: 3 api replicas probed on /healthz, found through a headless Service
 * by the gateway and by Prometheus (whose RBAC allows it), every reference resolving inside the build,
 * the knobs in one place, and the images those of the compose stage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { loadApiConfig } from '../../../src/api/config.js';
import { ROUTES } from '../../../src/contract/index.js';
import {
  API_DISCOVERY_ENV,
  API_JOB,
  API_POD_SELECTOR,
  API_PORT_NAME,
  KUBERNETES_DIR,
} from '../../../src/stage/kubernetes/cluster-files.js';
import {
  describeObject,
  schemaErrors,
  unknownFieldErrors,
  type KubernetesObject,
} from './manifest-validation.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const OVERLAYS = readdirSync(join(ROOT, KUBERNETES_DIR, 'overlays')).sort();
const BUILDS = ['base', ...OVERLAYS.map((name) => `overlays/${name}`)];

// Shapes of the few fields the assertions read (the validators above judge the rest).
interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
  tcpSocket?: { port: string | number };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    serviceAccountName?: string;
    containers: Container[];
    volumes?: Array<{ name: string; configMap?: { name: string } }>;
  };
}
interface Deployment extends KubernetesObject {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: PodTemplate };
}
interface Service extends KubernetesObject {
  spec: {
    clusterIP?: string;
    selector?: Record<string, string>;
    ports: Array<{ name?: string; port: number; targetPort?: string | number }>;
  };
}
interface ConfigMap extends KubernetesObject {
  data: Record<string, string>;
}

const builds = new Map<string, KubernetesObject[]>();

/** `kustomize build` of one kustomization (cached), as parsed objects. */
function build(path: string): KubernetesObject[] {
  const cached = builds.get(path);
  if (cached) return cached;
  const text = execFileSync('kustomize', ['build', join(ROOT, KUBERNETES_DIR, path)], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const objects = parseAllDocuments(text).map((document) => document.toJS() as KubernetesObject);
  builds.set(path, objects);
  return objects;
}

function find<T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name: string): T {
  const found = objects.find((object) => object.kind === kind && object.metadata?.name === name);
  assert.ok(found, `${kind}/${name} is missing`);
  return found as T;
}

/** A generated ConfigMap's name is its generator's name plus a content hash. */
function findConfigMap(objects: KubernetesObject[], generator: string): ConfigMap {
  const found = objects.filter(
    (object) =>
      object.kind === 'ConfigMap' && new RegExp(`^${generator}-[a-z0-9]{10}$`).test(object.metadata!.name!),
  );
  assert.equal(found.length, 1, `one ConfigMap from the ${generator} generator`);
  return found[0] as ConfigMap;
}

const deployments = (objects: KubernetesObject[]) =>
  objects.filter((o) => o.kind === 'Deployment') as Deployment[];
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

function portNamed(container: Container, port: string | number | undefined): boolean {
  return typeof port === 'number'
    ? (container.ports ?? []).some((entry) => entry.containerPort === port)
    : (container.ports ?? []).some((entry) => entry.name === port);
}

for (const path of BUILDS) {
  test(`kustomize build ${path}: every object is valid against the Kubernetes API`, async () => {
    const objects = build(path);
    assert.ok(objects.length >= 20, `${objects.length} objects`);
    assert.deepEqual(await schemaErrors(objects), []);
    assert.deepEqual(unknownFieldErrors(objects), []);
    // Everything lands in the stage's namespace (the Namespace object itself has none).
    for (const object of objects.filter((o) => !['Namespace'].includes(o.kind)))
      assert.equal(object.metadata?.namespace, 'stagegate', describeObject(object));
  });

  test(`kustomize build ${path}: the api replicas, their probes, budget and autoscaler`, () => {
    const objects = build(path);
    const api = find<Deployment>(objects, 'Deployment', 'api');
    assert.equal(api.spec.replicas, 3);
    const podLabels = api.spec.template.metadata.labels;
    assert.ok(matches(api.spec.selector.matchLabels, podLabels));
    const [container] = api.spec.template.spec.containers;
    assert.ok(container);
    for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
      assert.equal(container[probe]?.httpGet?.path, ROUTES.healthz, probe);
      assert.ok(portNamed(container, container[probe]?.httpGet?.port), `${probe} probes a declared port`);
    }
    for (const kind of ['requests', 'limits'] as const) {
      assert.ok(container.resources?.[kind]?.cpu, `cpu ${kind}`);
      assert.ok(container.resources?.[kind]?.memory, `memory ${kind}`);
    }

    const budget = find<
      KubernetesObject & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }
    >(objects, 'PodDisruptionBudget', 'api');
    assert.ok(matches(budget.spec.selector.matchLabels, podLabels), 'the budget covers the api pods');
    assert.ok(budget.spec.minAvailable >= 1 && budget.spec.minAvailable < 3);

    const autoscaler = find<
      KubernetesObject & {
        spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number };
      }
    >(objects, 'HorizontalPodAutoscaler', 'api');
    assert.deepEqual(
      { kind: autoscaler.spec.scaleTargetRef.kind, name: autoscaler.spec.scaleTargetRef.name },
      { kind: 'Deployment', name: 'api' },
    );
    assert.equal(autoscaler.spec.minReplicas, api.spec.replicas, 'the autoscaler starts from the count');
    // The gateway's server-template has 20 slots; the gate allows up to 20 replicas.
    assert.ok(
      autoscaler.spec.maxReplicas >= autoscaler.spec.minReplicas && autoscaler.spec.maxReplicas <= 20,
    );
  });

  test(`kustomize build ${path}: discovery — headless Service, the gateway's DNS name, Prometheus with its RBAC`, () => {
    const objects = build(path);
    const api = find<Deployment>(objects, 'Deployment', 'api');
    const podLabels = api.spec.template.metadata.labels;
    const headless = find<Service>(objects, 'Service', 'api');
    assert.equal(headless.spec.clusterIP, 'None', 'headless: one A record per ready pod');
    assert.ok(matches(headless.spec.selector!, podLabels));
    assert.ok(portNamed(api.spec.template.spec.containers[0]!, headless.spec.ports[0]!.targetPort));

    // The gateway resolves `api.<namespace>.svc.<domain>`: the headless Service's full name.
    const gateway = find<Deployment>(objects, 'Deployment', 'gateway');
    const haproxy = gateway.spec.template.spec.containers[0]!;
    const discovery = haproxy.env?.find((entry) => entry.name === API_DISCOVERY_ENV);
    assert.equal(discovery?.value, `${headless.metadata!.name}.$(POD_NAMESPACE).svc.$(CLUSTER_DOMAIN)`);
    const names = (haproxy.env ?? []).map((entry) => entry.name);
    assert.ok(names.indexOf('POD_NAMESPACE') < names.indexOf(API_DISCOVERY_ENV), 'defined before use');
    assert.ok(names.indexOf('CLUSTER_DOMAIN') < names.indexOf(API_DISCOVERY_ENV), 'defined before use');
    const gatewayConfig = findConfigMap(objects, 'gateway-config');
    assert.equal(
      gatewayConfig.data['haproxy.cfg'],
      readFileSync(join(ROOT, KUBERNETES_DIR, 'base', 'files', 'haproxy.cfg'), 'utf8'),
    );
    const gatewayService = find<Service>(objects, 'Service', 'gateway');
    assert.deepEqual(
      gatewayService.spec.ports.map((port) => port.port),
      [8000, 8404],
      'gateway 8000 (as compose publishes it) and its stats/exporter 8404',
    );

    // Prometheus discovers the api pods itself, in its own namespace, with a Role that lets it.
    const prometheus = find<Deployment>(objects, 'Deployment', 'prometheus');
    const account = prometheus.spec.template.spec.serviceAccountName;
    assert.ok(account, 'Prometheus runs under its own service account');
    find(objects, 'ServiceAccount', account);
    const binding = objects.find(
      (object) =>
        object.kind === 'RoleBinding' &&
        (object.subjects as Array<{ kind: string; name: string; namespace?: string }>).some(
          (subject) =>
            subject.kind === 'ServiceAccount' &&
            subject.name === account &&
            subject.namespace === 'stagegate',
        ),
    ) as (KubernetesObject & { roleRef: { kind: string; name: string } }) | undefined;
    assert.ok(binding, `a RoleBinding for ${account} in the stage's namespace`);
    const role = find<
      KubernetesObject & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> }
    >(objects, binding.roleRef.kind, binding.roleRef.name);
    const podsRule = role.rules.find(
      (rule) => rule.apiGroups.includes('') && rule.resources.includes('pods'),
    );
    assert.deepEqual([...(podsRule?.verbs ?? [])].sort(), ['get', 'list', 'watch']);

    const prometheusYml = parse(findConfigMap(objects, 'prometheus-config').data['prometheus.yml']!) as {
      scrape_configs: Array<{
        job_name: string;
        kubernetes_sd_configs?: Array<{
          role: string;
          namespaces?: { own_namespace?: boolean };
          selectors?: Array<{ label: string }>;
        }>;
        relabel_configs?: Array<{ source_labels: string[]; regex?: string; action?: string }>;
      }>;
    };
    const job = prometheusYml.scrape_configs.find((entry) => entry.job_name === API_JOB);
    const sd = job?.kubernetes_sd_configs?.[0];
    assert.equal(sd?.role, 'pod');
    assert.equal(sd?.namespaces?.own_namespace, true, 'only the stage namespace: the Role allows no more');
    const [labelName, labelValue] = API_POD_SELECTOR.split('=');
    assert.equal(sd?.selectors?.[0]?.label, API_POD_SELECTOR);
    assert.equal(podLabels[labelName!], labelValue, 'the selector matches the api pods');
    const keep = job?.relabel_configs?.find((rule) => rule.action === 'keep');
    assert.deepEqual(keep?.source_labels, ['__meta_kubernetes_pod_container_port_name']);
    assert.equal(keep?.regex, API_PORT_NAME);
    assert.ok(
      portNamed(api.spec.template.spec.containers[0]!, API_PORT_NAME),
      'the kept port is the api port',
    );
  });

  test(`kustomize build ${path}: every reference resolves inside the build`, () => {
    const objects = build(path);
    const configMaps = new Map(
      objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata!.name!, (o as ConfigMap).data]),
    );
    const services = objects.filter((o) => o.kind === 'Service') as Service[];
    for (const deployment of deployments(objects)) {
      const where = describeObject(deployment);
      const { spec } = deployment.spec.template;
      for (const volume of spec.volumes ?? [])
        if (volume.configMap)
          assert.ok(configMaps.has(volume.configMap.name), `${where}: volume ${volume.name}`);
      for (const container of spec.containers) {
        for (const source of container.envFrom ?? [])
          if (source.configMapRef) assert.ok(configMaps.has(source.configMapRef.name), `${where}: envFrom`);
        for (const variable of container.env ?? []) {
          const ref = variable.valueFrom?.configMapKeyRef;
          if (ref) assert.ok(configMaps.get(ref.name)?.[ref.key] !== undefined, `${where}: ${variable.name}`);
        }
        for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
          const port = container[probe]?.httpGet?.port ?? container[probe]?.tcpSocket?.port;
          if (port !== undefined) assert.ok(portNamed(container, port), `${where}: ${probe} port ${port}`);
        }
        // Pinned images: a tag on every one, never `latest`.
        assert.match(container.image, /:[A-Za-z0-9._-]+$/, `${where}: ${container.image}`);
        assert.doesNotMatch(container.image, /:latest$/);
      }
    }
    // Every Service reaches pods of some Deployment, on a port they declare.
    for (const service of services) {
      const targets = deployments(objects).filter((d) =>
        matches(service.spec.selector ?? {}, d.spec.template.metadata.labels),
      );
      assert.equal(targets.length, 1, `${describeObject(service)} selects one Deployment's pods`);
      for (const port of service.spec.ports)
        assert.ok(
          portNamed(targets[0]!.spec.template.spec.containers[0]!, port.targetPort ?? port.port),
          `${describeObject(service)}: port ${port.name}`,
        );
    }
  });
}

test('the knobs live in one place: stage.env, read whole by every api replica and accepted by the API', () => {
  const knobsFile = readFileSync(join(ROOT, KUBERNETES_DIR, 'base', 'stage.env'), 'utf8');
  const knobs = Object.fromEntries(
    knobsFile
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  assert.ok(knobs.NARRATOR_MAX_CONCURRENCY, 'the narrator limit is a knob');
  for (const path of BUILDS) {
    const objects = build(path);
    const generated = findConfigMap(objects, 'stage-knobs');
    assert.deepEqual(generated.data, knobs, `${path}: the generated ConfigMap is stage.env`);
    const api = find<Deployment>(objects, 'Deployment', 'api').spec.template.spec.containers[0]!;
    assert.deepEqual(api.envFrom, [{ configMapRef: { name: generated.metadata!.name } }]);
    // No manifest sets a knob on its own: each is read from the one ConfigMap.
    for (const deployment of deployments(objects))
      for (const container of deployment.spec.template.spec.containers)
        for (const variable of container.env ?? [])
          if (variable.name in knobs)
            assert.equal(
              variable.valueFrom?.configMapKeyRef?.name,
              generated.metadata!.name,
              `${describeObject(deployment)} sets ${variable.name} itself`,
            );
    // What a replica sees (the knobs, then its own env) is a valid API configuration.
    const env: Record<string, string> = { ...generated.data };
    for (const variable of api.env ?? []) env[variable.name] = variable.value ?? 'api-5d8f7c9b6-x2k4q';
    const config = loadApiConfig(env);
    assert.equal(config.narratorMaxConcurrency, Number(knobs.NARRATOR_MAX_CONCURRENCY));
    assert.equal(config.port, 8080);
  }
});

test('the third-party images are the compose stage’s, so both stages run the same services', () => {
  const compose = parse(
    readFileSync(join(ROOT, 'deploy', 'docker', 'docker-compose.stage.yaml'), 'utf8'),
  ) as {
    services: Record<string, { image?: string }>;
  };
  const composeImages = new Set(
    Object.values(compose.services)
      .map((service) => service.image)
      .filter((image): image is string => !!image)
      // `${GATEWAY_IMAGE:-haproxy:…}`: compose's default image (the variable only swaps in a local build).
      .map((image) => /^\$\{[A-Z_]+:-(.+)\}$/.exec(image)?.[1] ?? image),
  );
  const images = new Set(
    deployments(build('base'))
      .flatMap((deployment) => deployment.spec.template.spec.containers.map((container) => container.image))
      .filter((image) => !image.startsWith('stagegate-api:')),
  );
  assert.deepEqual([...images].sort(), [...composeImages].sort());
});

test('overlays: kind runs the loaded api image at a fixed count; gpu puts Ollama on a GPU', () => {
  const kind = build('overlays/kind');
  const api = find<Deployment>(kind, 'Deployment', 'api').spec.template.spec.containers[0]!;
  assert.equal(api.image, 'stagegate-api:ci');
  assert.equal(api.imagePullPolicy, 'Never');
  const autoscaler = find<KubernetesObject & { spec: { minReplicas: number; maxReplicas: number } }>(
    kind,
    'HorizontalPodAutoscaler',
    'api',
  );
  assert.equal(autoscaler.spec.maxReplicas, autoscaler.spec.minReplicas);

  const gpu = build('overlays/gpu');
  const ollama = find<Deployment>(gpu, 'Deployment', 'ollama').spec.template.spec.containers[0]!;
  assert.equal(ollama.resources?.limits?.['nvidia.com/gpu'], 1);
  const base = find<Deployment>(build('base'), 'Deployment', 'ollama').spec.template.spec.containers[0]!;
  assert.equal(base.resources?.limits?.['nvidia.com/gpu'], undefined, 'the base runs on CPU');
});

test('the validators catch what a cluster would refuse', async () => {
  const objects = structuredClone(build('base'));
  const api = find<Deployment>(objects, 'Deployment', 'api');
  (api.spec.template.spec.containers[0] as unknown as Record<string, unknown>).readinesProbe = {};
  const service = find<Service>(objects, 'Service', 'api');
  (service.spec.ports[0] as { port: unknown }).port = 'eighty';
  const unknown = unknownFieldErrors([api, service]);
  assert.ok(
    unknown.some((line) => /^Deployment\/api: .*readinesProbe/.test(line)),
    unknown.join('\n'),
  );
  const invalid = await schemaErrors([api, service]);
  assert.ok(
    invalid.some((line) => /^Service\/api: .*port must be integer/.test(line)),
    invalid.join('\n'),
  );
  assert.deepEqual(await schemaErrors([{ apiVersion: 'v1', kind: 'Nonsense' }]).then((e) => e.length), 1);
});
