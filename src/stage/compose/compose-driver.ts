/**
 * The stage as a docker compose project (deploy/docker/docker-compose.stage.yaml by default): boots it
 * with compose's own health wait (`up --wait --wait-timeout`) bounded by the boot timeout, reads its
 * containers from `ps`, its logs from `logs`, its counters from the stage's Prometheus, and tears it
 * down after streaming every service's log to a file. Docker runs behind a CommandRunner, so every
 * command line and every parse is tested without Docker.
 *
 * The boot reads as its steps: check the spec, check Compose, `up`, read `ps`, judge the containers
 * (compose-health.ts), and on failure gather the diagnostics (ps, compose's output, failing services'
 * log tails). The docker session is compose-cli.ts; the teardown's log files, compose-log-files.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  NOT_BOOTED_STATE,
  type BootResult,
  type MetricsReader,
  type ServiceStatus,
  type StageDescription,
  type StageDriver,
  type StageSpec,
  type StageValue,
} from '../driver.js';
import { StagePrometheusReader, type ContainerIdentity } from '../metrics/stage-prometheus.js';
import { lineLocator, parseComposeConfig, type LineLocator } from './compose-config.js';
import {
  checkNames,
  discoverBaseUrl,
  discoverPrometheusUrl,
  NARRATOR_PROBE_VALUE,
  NARRATOR_VARIABLE,
  preflightFindings,
  requiredServicesOf,
  type StageNames,
} from './compose-discovery.js';
import { inspectArgs, parseContainerIdentities } from './compose-inspect.js';
import { ChildProcessRunner, type CommandResult, type CommandRunner } from './command-runner.js';
import { ComposeCli } from './compose-cli.js';
import {
  configJsonArgs,
  downArgs,
  logsArgs,
  psArgs,
  upArgs,
  versionAtLeast,
  WAIT_TIMEOUT_SINCE,
  type ComposeVersion,
} from './compose-commands.js';
import { failingServices, findProblems, isPartlyUp, type StageShape } from './compose-health.js';
import { saveServiceLogs } from './compose-log-files.js';
import { newestLines, parseComposeLogs, type ComposeLogLine } from './compose-logs.js';
import { lastLine, lastLines, messageOf } from './compose-output.js';
import { formatServiceTable, parseComposePs } from './compose-ps.js';
import { readLastLines } from '../local/log-tail.js';
import { COMPOSE_FAILURE_LOG_LINES, PROJECT_NAME, SERVICE_NAME } from './compose-names.js';

export interface ComposeDriverOptions {
  /** Compose file, relative to `cwd` or absolute. */
  composeFile: string;
  /** `-p`; absent: the file's own `name:` (compose's choice, reported as discovered). */
  projectName?: string;
  /** Working directory of every docker command (default: this process's). */
  cwd?: string;
  apiService?: string;
  gatewayService?: string;
  /**
   * Services that must be running and healthy besides api and gateway for the boot to count. Absent:
   * every other service of the file; `referenceServices` that the file lacks are then "not in this stage".
   */
  requiredServices?: string[];
  /** The reference stage's required services (the option's default), named when a file lacks them. */
  referenceServices?: string[];
  /** Which of the named options (kebab-case) the user set, for the report's "where it came from". */
  setOptions?: string[];
  /**
   * Boot only these services (and what they depend on); empty or absent: every service of the file.
   * A required service left out and not started as a dependency is reported as not booted.
   */
  services?: string[];
  /** Passed to every compose command as `--env-file` (the variables the compose file interpolates). */
  envFile?: string;
  /** `up --build` (rebuild the api image) or reuse what exists. */
  build?: boolean;
  /**
   * The gateway as the gate reaches it; absent: discovered from the port the gateway service publishes.
   * When it is a loopback URL with a port, that port is passed to compose as GATEWAY_PORT, which the
   * reference file publishes the gateway on.
   */
  baseUrl?: string;
  /**
   * The stage's Prometheus (also passed as PROMETHEUS_PORT when on loopback); absent: discovered from
   * the port its service publishes; `null`: no metrics. Verified as this stage's before any use.
   */
  prometheusUrl?: string | null;
  /** How long the stage's Prometheus may take to list every api replica as a target. */
  prometheusVerifyMs?: number;
  /** The docker CLI (default `docker` on PATH). */
  docker?: string;
  runner?: CommandRunner;
  /** Base environment of the docker commands (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Progress and diagnostics, one line or block at a time. */
  log?: (text: string) => void;
  /** Log lines per container shown for each failing service when the boot fails. */
  failureLogLines?: number;
}

/** At most this much of a `logs --tail` output is read back (a few thousand lines of several replicas). */
const LOG_TAIL_MAX_BYTES = 8 * 1024 * 1024;
const DIAGNOSTICS_TIMEOUT_MS = 15_000;

export class ComposeDriver implements StageDriver {
  readonly kind = 'compose' as const;
  private readonly cli: ComposeCli;
  private shape: StageShape;
  private readonly options: ComposeDriverOptions;
  private readonly setBaseUrl: string | undefined;
  /** What the boot learnt from the file; undefined before it read it. */
  private description: StageDescription | undefined;
  /** Set only while `config` runs: proves whether NARRATOR_MAX_CONCURRENCY reaches the api. */
  private probeEnv: Record<string, string> = {};
  private readonly selectedServices: string[];
  private readonly build: boolean;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly portEnv: Record<string, string> = {};
  private prometheusUrl: string | undefined;
  private readonly say: (text: string) => void;
  private readonly failureLogLines: number;
  private specEnv: Record<string, string> = {};
  private reader: MetricsReader | undefined;

  constructor(options: ComposeDriverOptions) {
    if (!options.composeFile?.trim()) throw new Error('compose driver: the compose file path is empty');
    if (options.projectName !== undefined && !PROJECT_NAME.test(options.projectName))
      throw new Error(
        `compose driver: project name "${options.projectName}" must be lowercase letters, digits, "-" or "_", starting with a letter or digit`,
      );
    const selected = (options.services ?? []).map((name) => checkServiceName(name, 'service'));
    this.selectedServices = selected;
    this.options = options;
    this.shape = {
      apiService: checkServiceName(options.apiService ?? 'api', 'api service'),
      gatewayService: checkServiceName(options.gatewayService ?? 'gateway', 'gateway service'),
      requiredServices: (options.requiredServices ?? []).map((name) =>
        checkServiceName(name, 'required service'),
      ),
      isLeftOut: (service) => selected.length > 0 && !selected.includes(service),
    };
    if (options.envFile !== undefined && !options.envFile.trim())
      throw new Error('compose driver: the env file path is empty');
    const project = {
      file: options.composeFile,
      ...(options.projectName ? { name: options.projectName } : {}),
      ...(options.envFile ? { envFile: options.envFile } : {}),
    };
    this.build = options.build ?? true;
    this.baseEnv = options.env ?? process.env;
    this.say = options.log ?? (() => {});
    this.failureLogLines = options.failureLogLines ?? COMPOSE_FAILURE_LOG_LINES;
    this.cli = new ComposeCli(
      project,
      options.docker ?? 'docker',
      options.runner ?? new ChildProcessRunner(),
      options.cwd,
      () => this.env(),
    );

    if (options.baseUrl !== undefined) {
      const gatewayPort = loopbackPort(parseHttpUrl(options.baseUrl, 'base URL'));
      if (gatewayPort) this.portEnv.GATEWAY_PORT = gatewayPort;
      this.setBaseUrl = options.baseUrl.replace(/\/+$/, '');
    }
    if (typeof options.prometheusUrl === 'string') {
      const prometheusPort = loopbackPort(parseHttpUrl(options.prometheusUrl, 'Prometheus URL'));
      if (prometheusPort) this.portEnv.PROMETHEUS_PORT = prometheusPort;
      this.prometheusUrl = options.prometheusUrl;
    }
  }

  /** The gateway's URL: as set, else as discovered from the file (empty before the boot read it). */
  get baseUrl(): string {
    return this.setBaseUrl ?? this.description?.values.find((v) => v.option === 'base-url')?.value ?? '';
  }

  describe(): StageDescription | undefined {
    return this.description;
  }

  async boot(spec: StageSpec, signal?: AbortSignal): Promise<BootResult> {
    const started = Date.now();
    const fail = (
      reason: string,
      services: ServiceStatus[] = [],
      log?: string,
      partial = false,
    ): BootResult => ({
      ok: false,
      reason,
      services,
      durationMs: Date.now() - started,
      ...(partial ? { partial } : {}),
      ...(log ? { log } : {}),
    });
    const specProblem = checkSpec(spec);
    if (specProblem) return fail(specProblem);
    this.specEnv = { ...spec.env, NARRATOR_MAX_CONCURRENCY: String(spec.narratorMaxConcurrency) };

    let version: ComposeVersion;
    try {
      version = await this.cli.ensureVersion(signal);
    } catch (error) {
      return fail(messageOf(error));
    }

    const discovery = await this.preflight(spec, signal);
    if (discovery) return fail(discovery);

    let up: CommandResult;
    try {
      up = await this.up(spec, version, started + spec.bootTimeoutMs, signal);
    } catch (error) {
      return fail(`docker compose up could not be started: ${messageOf(error)}`);
    }

    let services: ServiceStatus[] = [];
    let psProblem: string | undefined;
    try {
      services = await this.services(signal);
    } catch (error) {
      psProblem = `docker compose ps failed: ${messageOf(error)}`;
    }
    const problems = findProblems(this.shape, services, spec.replicas);
    const upOk = up.exitCode === 0 && !up.timedOut && !up.aborted;
    if (upOk && problems.length === 0 && !psProblem) {
      this.say(formatServiceTable(services));
      return { ok: true, services, durationMs: Date.now() - started };
    }

    let reason: string;
    if (up.aborted) reason = 'the boot was cancelled';
    else if (up.timedOut)
      reason = `docker compose up did not finish within the boot timeout (${Math.round(spec.bootTimeoutMs / 1000)} s) and was stopped`;
    else if (up.exitCode !== 0)
      reason = `docker compose up failed (exit ${up.exitCode}): ${lastLine(up.stderr || up.stdout)}`;
    else reason = 'docker compose up succeeded but the stage is not complete';
    const details = [...problems, ...(psProblem ? [psProblem] : [])];
    if (details.length > 0) reason += `; ${details.join('; ')}`;

    // The containers stay where `up` left them (the teardown removes them): when the gateway and
    // some api replicas are up, the stage is partly booted and the gate can still check it.
    const partial = !up.aborted && !psProblem && isPartlyUp(this.shape, services);
    const log = await this.describeFailure(services, up, signal);
    this.say(log);
    if (partial)
      this.say(
        `the ${this.shape.gatewayService} and some ${this.shape.apiService} replicas are up: the stage is left running, partly booted`,
      );
    return fail(reason, services, log, partial);
  }

  /**
   * Reads the file as compose resolves it, before anything boots: checks the names the gate was given,
   * runs the static preflight, and discovers what was not set (the gateway's and Prometheus's URLs, the
   * project name, the required services). Returns why the stage cannot be booted, or undefined.
   */
  async preflight(spec: StageSpec, signal?: AbortSignal): Promise<string | undefined> {
    await this.cli.ensureVersion(signal);
    const file = this.options.composeFile;
    let stdout: string;
    this.probeEnv = { [NARRATOR_VARIABLE]: NARRATOR_PROBE_VALUE };
    try {
      stdout = (await this.cli.query(configJsonArgs(this.cli.project), 'config', signal)).stdout;
    } catch (error) {
      return `cannot read ${file}: ${messageOf(error)}`;
    } finally {
      this.probeEnv = {};
    }
    let config;
    try {
      config = parseComposeConfig(stdout);
    } catch (error) {
      return messageOf(error);
    }
    const names: StageNames = {
      file,
      apiService: this.shape.apiService,
      gatewayService: this.shape.gatewayService,
      ...(this.options.requiredServices ? { requiredServices: this.options.requiredServices } : {}),
      services: this.selectedServices,
    };
    const nameProblems = checkNames(config, names);
    if (nameProblems.length) return nameProblems.join('; ');

    const findings = preflightFindings(config, names, await this.locator(), {
      replicas: spec.replicas,
      baseUrlSet: this.setBaseUrl !== undefined,
      prometheusSet: this.options.prometheusUrl !== undefined,
    });
    const { required, notInStage } = requiredServicesOf(config, names, this.options.referenceServices ?? []);
    this.shape = { ...this.shape, requiredServices: required };

    const set = new Set(this.options.setOptions ?? []);
    const named = (option: string, value: string): StageValue => ({
      option,
      value,
      origin: set.has(option) ? 'set' : 'default',
    });
    const values: StageValue[] = [
      this.options.projectName
        ? { option: 'project-name', value: this.options.projectName, origin: 'set' }
        : {
            option: 'project-name',
            value: config.name ?? '-',
            origin: 'discovered',
            how: `the name compose gives ${file}`,
          },
      named('api-service', this.shape.apiService),
      named('gateway-service', this.shape.gatewayService),
      this.options.requiredServices
        ? named('required-services', required.join(', '))
        : {
            option: 'required-services',
            value: required.join(', ') || '-',
            origin: 'discovered',
            how: `every other service of ${file}`,
          },
    ];
    const baseUrl = this.setBaseUrl ?? discoverBaseUrl(config, this.shape.gatewayService);
    if (typeof baseUrl === 'string') values.push({ option: 'base-url', value: baseUrl, origin: 'set' });
    else if (baseUrl) values.push(baseUrl);
    if (this.options.prometheusUrl === null)
      values.push({ option: 'prometheus-url', value: '-', origin: 'set', how: 'no metrics asked' });
    else if (this.prometheusUrl)
      values.push({ option: 'prometheus-url', value: this.prometheusUrl, origin: 'set' });
    else {
      const prometheus = discoverPrometheusUrl(config);
      if (prometheus) {
        this.prometheusUrl = prometheus.value;
        values.push(prometheus);
      } else
        values.push({
          option: 'prometheus-url',
          value: '-',
          origin: 'discovered',
          how: 'no Prometheus service publishes a port: no metric can be read',
        });
    }
    this.description = { values, findings, requiredServices: required, notInStage };
    this.say(
      values.map((v) => `${v.option}: ${v.value} (${v.origin}${v.how ? `: ${v.how}` : ''})`).join('\n'),
    );
    for (const finding of findings) this.say(`preflight ${finding.severity}: ${finding.message}`);
    const errors = findings.filter((finding) => finding.severity === 'error');
    return errors.length ? errors.map((finding) => finding.message).join('; ') : undefined;
  }

  /** Where keys sit in the file the user wrote (nowhere, when it cannot be read as YAML). */
  private async locator(): Promise<LineLocator> {
    const path = resolve(this.options.cwd ?? process.cwd(), this.options.composeFile);
    const text = await readFile(path, 'utf8').catch(() => undefined);
    return text === undefined ? () => undefined : lineLocator(text);
  }

  /** The running api containers and their addresses (`docker inspect`), for verifying Prometheus. */
  private async apiContainers(): Promise<ContainerIdentity[]> {
    const rows = await this.services();
    const names = rows
      .filter((row) => row.service === this.shape.apiService && row.state === 'running')
      .map((row) => row.name);
    if (names.length === 0) return [];
    const result = await this.cli.run(inspectArgs(names), { timeoutMs: 30_000 });
    if (result.exitCode !== 0 || result.timedOut)
      throw new Error(
        `docker inspect of the api containers failed: ${lastLine(result.stderr || result.stdout)}`,
      );
    return parseContainerIdentities(result.stdout);
  }

  /** `up` with compose's own health wait, bounded by what is left of the boot timeout. */
  private up(
    spec: StageSpec,
    version: ComposeVersion,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<CommandResult> {
    const remaining = Math.max(1000, deadline - Date.now());
    // compose gives up a little before the runner would kill it, so its own message (which container
    // is unhealthy) reaches the report.
    const slack = Math.min(10_000, Math.floor(remaining * 0.1));
    const args = upArgs(this.cli.project, {
      build: this.build,
      apiService: this.shape.apiService,
      replicas: spec.replicas,
      services: this.selectedServices,
      waitTimeoutSeconds: versionAtLeast(version, WAIT_TIMEOUT_SINCE)
        ? Math.max(1, Math.floor((remaining - slack) / 1000))
        : undefined,
    });
    this.say(
      `$ ${this.cli.docker} ${args.join(' ')}  (compose ${version.text}, NARRATOR_MAX_CONCURRENCY=${spec.narratorMaxConcurrency})`,
    );
    return this.cli.run(args, { timeoutMs: remaining, signal });
  }

  async services(signal?: AbortSignal): Promise<ServiceStatus[]> {
    await this.cli.ensureVersion(signal);
    const result = await this.cli.query(psArgs(this.cli.project), 'ps', signal);
    const rows = parseComposePs(result.stdout);
    return [...rows, ...this.notBootedRows(rows)];
  }

  /** Required services that this boot left out on purpose (`services`), and that have no container. */
  private notBootedRows(rows: ServiceStatus[]): ServiceStatus[] {
    return this.shape.requiredServices
      .filter((name) => this.shape.isLeftOut(name) && !rows.some((row) => row.service === name))
      .map((name) => ({
        service: name,
        name,
        state: NOT_BOOTED_STATE,
        health: 'none',
        notes: [{ kind: 'not-booted', selected: [...this.selectedServices] }],
      }));
  }

  /** Raw lines of one service's log (text only: the API's JSON lines carry their own `replica`). */
  async logs(service: string, maxLines: number, signal?: AbortSignal): Promise<string[]> {
    return (await this.logLines(service, maxLines, signal)).map((line) => line.text);
  }

  /** Like `logs`, with the container each line came from (compose's prefix) and its timestamp. */
  async logLines(service: string, maxLines: number, signal?: AbortSignal): Promise<ComposeLogLine[]> {
    checkServiceName(service, 'service');
    if (!Number.isInteger(maxLines) || maxLines < 0)
      throw new Error(`maxLines must be a whole number ≥ 0, got ${maxLines}`);
    if (maxLines === 0) return [];
    await this.cli.ensureVersion(signal);
    // Streamed to a file and read back from its end: a service that logs without pause (or one huge
    // line) never has its output held whole in this process.
    const dir = await mkdtemp(join(tmpdir(), 'stagegate-compose-logs-'));
    try {
      const file = join(dir, 'logs.txt');
      await this.cli.query(logsArgs(this.cli.project, service, maxLines), `logs ${service}`, signal, file);
      // `--tail` applies per container: all of them fit in the bytes read, and the time order is rebuilt.
      const output = await readLastLines(file, Number.MAX_SAFE_INTEGER, LOG_TAIL_MAX_BYTES);
      return newestLines(parseComposeLogs(output.join('\n')), maxLines);
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  metrics(): MetricsReader | undefined {
    if (!this.prometheusUrl) return undefined;
    this.reader ??= new StagePrometheusReader({
      url: this.prometheusUrl,
      containers: () => this.apiContainers(),
      ...(this.options.prometheusVerifyMs ? { verifyTimeoutMs: this.options.prometheusVerifyMs } : {}),
    });
    return this.reader;
  }

  async teardown(options: { logDir?: string; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    const left = () => Math.max(0, deadline - Date.now());
    try {
      try {
        await this.cli.ensureVersion();
      } catch (error) {
        this.say(`teardown skipped: ${messageOf(error)}`);
        return;
      }
      // Logs first: `down` removes the containers and their logs with them.
      if (options.logDir)
        await saveServiceLogs(this.cli, options.logDir, Math.floor(left() / 2), this.say, (name) =>
          SERVICE_NAME.test(name),
        );
      const stopSeconds = Math.max(1, Math.min(10, Math.floor(left() / 3000)));
      const args = downArgs(this.cli.project, stopSeconds);
      this.say(`$ ${this.cli.docker} ${args.join(' ')}`);
      const down = await this.cli.run(args, { timeoutMs: Math.max(1000, left()) });
      if (down.timedOut)
        this.say('docker compose down did not finish within the teardown timeout and was stopped');
      else if (down.exitCode !== 0)
        this.say(
          `docker compose down failed (exit ${down.exitCode}): ${lastLine(down.stderr || down.stdout)}`,
        );
      else this.say('stage torn down');
    } catch (error) {
      this.say(`teardown: ${messageOf(error)}`);
    }
  }

  /** `ps`, the end of compose's own output, and the log tail of every service that is not ready. */
  private async describeFailure(
    services: ServiceStatus[],
    up: CommandResult,
    signal?: AbortSignal,
  ): Promise<string> {
    const parts = ['docker compose ps:', formatServiceTable(services)];
    const upOutput = (up.stderr || up.stdout).trim();
    if (upOutput) parts.push('', 'docker compose up (last lines):', lastLines(upOutput, 25));
    const bounded = AbortSignal.timeout(DIAGNOSTICS_TIMEOUT_MS);
    const logs = await Promise.all(
      failingServices(this.shape, services).map(async (name) => {
        // A signal per service (AbortSignal.any follows its sources without listeners on them): one
        // shared signal would collect a listener per service, and Node warns past ten.
        const own = AbortSignal.any(signal ? [signal, bounded] : [bounded]);
        try {
          const lines = await this.logLines(name, this.failureLogLines, own);
          const body =
            lines.length > 0 ? lines.map((l) => `${l.instance} | ${l.text}`).join('\n') : '(no output)';
          return `logs of ${name} (last ${this.failureLogLines} lines):\n${body}`;
        } catch (error) {
          return `logs of ${name}: not available (${messageOf(error)})`;
        }
      }),
    );
    for (const block of logs) parts.push('', block);
    return parts.join('\n');
  }

  /** The docker commands' environment: the caller's, the published ports, then the boot's spec. */
  private env(): NodeJS.ProcessEnv {
    return { ...this.baseEnv, COMPOSE_ANSI: 'never', ...this.portEnv, ...this.specEnv, ...this.probeEnv };
  }
}

function checkServiceName(name: string, what: string): string {
  if (!SERVICE_NAME.test(name))
    throw new Error(`compose driver: ${what} name "${name}" must be letters, digits, ".", "-" or "_"`);
  return name;
}

function checkSpec(spec: StageSpec): string | undefined {
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1)
    return `replicas must be a whole number ≥ 1, got ${spec.replicas}`;
  if (!Number.isInteger(spec.narratorMaxConcurrency) || spec.narratorMaxConcurrency < 0)
    return `narrator max concurrency must be a whole number ≥ 0, got ${spec.narratorMaxConcurrency}`;
  if (!Number.isFinite(spec.bootTimeoutMs) || spec.bootTimeoutMs <= 0)
    return `boot timeout must be a positive number of milliseconds, got ${spec.bootTimeoutMs}`;
  for (const name of Object.keys(spec.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return `"${name}" is not a valid environment variable name`;
  }
  return undefined;
}

function parseHttpUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`compose driver: ${what} "${text}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`compose driver: ${what} "${text}" must start with http:// or https://`);
  return url;
}

/** The explicit port of a URL on this machine, which compose should publish on; else undefined. */
function loopbackPort(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  return loopback && url.port ? url.port : undefined;
}
