/**
 * Faults injected into the compose stage while the gate runs (tests only, never the product): the
 * docker CLI acts on the project's containers, and a check wrapper fires a fault at a chosen moment of
 * a named check (when it starts, or when it fires its burst). Every action is bounded by a timeout and
 * says what it did, so a test can quote it next to the report.
 */
import { spawnSync } from 'node:child_process';
import type { Check, CheckContext } from '../../../src/checks/index.js';

const PROJECT_LABEL = 'label=com.docker.compose.project=stagegate';
const DOCKER_TIMEOUT_MS = 60_000;

/** Runs the docker CLI; throws with its stderr when it fails (a fault that was not injected must say so). */
export function docker(args: string[], timeoutMs = DOCKER_TIMEOUT_MS): string {
  const result = spawnSync('docker', args, { encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0)
    throw new Error(
      `docker ${args.join(' ')}: ${result.error?.message ?? `exit ${result.status}`}: ${result.stderr.trim().slice(-500)}`,
    );
  return result.stdout.trim();
}

export interface ServiceContainer {
  id: string;
  /** The container's name (stagegate-api-2) and its hostname (the short id the api names itself by). */
  name: string;
  hostname: string;
}

/** The running containers of one compose service, by name. */
export function containersOf(service: string): ServiceContainer[] {
  const ids = docker([
    'ps',
    '-q',
    '--filter',
    PROJECT_LABEL,
    '--filter',
    `label=com.docker.compose.service=${service}`,
  ])
    .split('\n')
    .filter(Boolean);
  if (ids.length === 0) return [];
  return docker(['inspect', '--format', '{{.Id}} {{.Name}} {{.Config.Hostname}}', ...ids])
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, name, hostname] = line.split(' ');
      return { id: id!, name: name!.replace(/^\//, ''), hostname: hostname! };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function onlyContainerOf(service: string): ServiceContainer {
  const [container, ...more] = containersOf(service);
  if (!container || more.length > 0)
    throw new Error(`expected one running ${service} container, found ${more.length + (container ? 1 : 0)}`);
  return container;
}

/**
 * What the gateway said of its servers since `since` (an ISO time), with Docker's timestamps: each
 * replica its health checks took out or put back, with HAProxy's reason ("Layer7 timeout"), and the
 * backend left with none. Kept beside a flood's table: a row where legitimate users got 503s or nothing
 * cannot otherwise be told from one where the replicas were stopped (a clean-clone run once had the
 * 1,000 keep-alive row end in 35 × 503 and 675 unanswered, and its log was gone with the engine).
 */
export function gatewayServerEvents(since: string): string[] {
  const gateway = onlyContainerOf('gateway');
  const result = spawnSync('docker', ['logs', '--timestamps', '--since', since, gateway.id], {
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) return [`(docker logs failed: ${result.error?.message ?? result.stderr.trim()})`];
  return `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => /Server api\/|has no server available/.test(line));
}

/**
 * The replica (its hostname) holding a single-flight lock in Redis right now, if any: the reference
 * api's lock token is `<replica id>:<uuid>` (src/api/single-flight.ts).
 */
export function lockHolder(redis: ServiceContainer): string | undefined {
  const script =
    'for k in $(redis-cli --scan --pattern "stagegate:lock:*"); do redis-cli get "$k"; done | head -1';
  const token = docker(['exec', redis.id, 'sh', '-c', script], 10_000);
  return token ? token.split(':')[0] : undefined;
}

/**
 * Kills a service's main program from inside its container, as the kernel's OOM killer would (SIGKILL
 * to the big process, not to the container's init). Unlike `docker kill`, which Docker records as a
 * stop asked for, this is a crash: the service's restart policy brings it back. The program is found by
 * the end of its command line (`ollama serve` matches Ollama's binary and the simulator's
 * `node /usr/local/bin/ollama serve`, not the shell whose script mentions it).
 */
export function crashProgram(container: ServiceContainer, commandLineEnd: string): void {
  const script =
    'for p in /proc/[0-9]*; do ' +
    `case "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" in *"${commandLineEnd} ") kill -9 \${p#/proc/} && echo killed;; esac; done 2>/dev/null`;
  const result = spawnSync('docker', ['exec', container.id, 'sh', '-c', script], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  // When the program is the container's main process, the exec dies with it (137) before it can say
  // "killed": the kill happened (the caller checks the restart that follows).
  if (result.status === 137 || (result.status === 0 && result.stdout.includes('killed'))) return;
  throw new Error(
    `no process "…${commandLineEnd}" killed in ${container.name}: exit ${result.status}: ${result.stderr.trim().slice(-300)}`,
  );
}

/** How a container is doing: its state, and how many times Docker restarted it. */
export function stateOf(container: ServiceContainer): { status: string; restarts: number } {
  const [status, restarts] = docker([
    'inspect',
    '--format',
    '{{.State.Status}} {{.RestartCount}}',
    container.id,
  ]).split(' ');
  return { status: status!, restarts: Number(restarts) };
}

/**
 * Waits, up to `boundMs`, until no running container of the project is starting or unhealthy, and
 * returns the names of those still not healthy then. A fault can leave a replica unhealthy for a while
 * after it ends (Redis paused 8 s: its /healthz fails until the next probes pass), and the next run's
 * `compose up --wait` fails at once on an unhealthy container rather than waiting for it to recover.
 * Stopped containers are not waited for: `up` starts them again.
 */
export async function settleHealth(boundMs: number): Promise<string[]> {
  const notHealthy = () =>
    ['starting', 'unhealthy'].flatMap((health) =>
      docker(['ps', '--format', '{{.Names}}', '--filter', PROJECT_LABEL, '--filter', `health=${health}`])
        .split('\n')
        .filter(Boolean),
    );
  const until = Date.now() + boundMs;
  let waiting = notHealthy();
  while (waiting.length > 0 && Date.now() < until) {
    await sleep(1000);
    waiting = notHealthy();
  }
  return waiting;
}

/** Everything that still carries the project's label (containers, networks, volumes). */
export function leftovers(): string[] {
  const list = (args: string[]) =>
    spawnSync('docker', args, { encoding: 'utf8', timeout: 30_000 }).stdout.split('\n').filter(Boolean);
  return [
    ...list(['ps', '-aq', '--filter', PROJECT_LABEL]).map((id) => `container ${id}`),
    ...list(['network', 'ls', '-q', '--filter', PROJECT_LABEL]).map((id) => `network ${id}`),
    ...list(['volume', 'ls', '-q', '--filter', PROJECT_LABEL]).map((id) => `volume ${id}`),
  ];
}

/** When, during a check, the fault fires. */
export type FaultMoment =
  /** When the check starts, plus a delay. */
  | { at: 'check-start'; afterMs: number }
  /** When the check fires its first burst of simultaneous requests, plus a delay. */
  | { at: 'burst'; afterMs: number };

export interface InjectedFault {
  moment: FaultMoment;
  /** Injects the fault; returns what it did, in words, for the test's message and the note. */
  inject: () => Promise<string>;
  /** Undoes it (unpause...) this long after the injection, while the check still runs. */
  undo?: { afterMs: number; run: () => Promise<string> };
}

export interface FaultLog {
  /** What was done, in order, with the time since the check started. */
  lines: string[];
  /** Errors of the injection itself (the fault did not happen as planned). */
  errors: string[];
}

/**
 * The check with a fault fired at its moment. The check runs unchanged; the fault runs beside it and
 * its undo, if any, is awaited before the check's result is handed back, so nothing stays broken.
 */
export function withFault(check: Check, fault: InjectedFault, log: FaultLog): Check {
  return async (context: CheckContext) => {
    const started = Date.now();
    const say = (text: string) => log.lines.push(`+${Date.now() - started} ms: ${text}`);
    let pending: Promise<void> | undefined;
    // Once per check: a check with two bursts (narrator-saturation) meets the fault at its first.
    const fire = () => {
      if (pending) return;
      pending = (async () => {
        await sleep(fault.moment.afterMs);
        try {
          say(await fault.inject());
        } catch (error) {
          log.errors.push((error as Error).message);
          return;
        }
        if (fault.undo) {
          await sleep(fault.undo.afterMs);
          try {
            say(await fault.undo.run());
          } catch (error) {
            log.errors.push((error as Error).message);
          }
        }
      })();
    };
    const faulted: CheckContext =
      fault.moment.at === 'burst'
        ? {
            ...context,
            burst: (requests) => {
              fire();
              return context.burst(requests);
            },
          }
        : context;
    if (fault.moment.at === 'check-start') fire();
    try {
      return await check(faulted);
    } finally {
      await (pending ?? Promise.resolve());
    }
  };
}

/** The check with an action run just before it starts (a fault between two checks). */
export function afterAction(check: Check, action: () => Promise<string>, log: FaultLog): Check {
  return async (context: CheckContext) => {
    try {
      log.lines.push(`before the check: ${await action()}`);
    } catch (error) {
      log.errors.push((error as Error).message);
    }
    return check(context);
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a host command as root (directly when we are root, else through `sudo -n`, as on a GitHub runner). */
function asRoot(command: string[], timeoutMs = 10_000): { ok: boolean; said: string } {
  const argv = process.getuid?.() === 0 ? command : ['sudo', '-n', ...command];
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs });
  return {
    ok: result.status === 0,
    said: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim(),
  };
}

/**
 * Whether this kernel has `tc netem` (sch_netem): tried in a throw-away network namespace, then
 * deleted. Undefined when it works, else why not.
 */
export function netemMissing(): string | undefined {
  const namespace = `stagegate-netem-probe-${process.pid}`;
  const created = asRoot(['ip', 'netns', 'add', namespace]);
  if (!created.ok) return `cannot create a network namespace: ${created.said}`;
  try {
    const tried = asRoot([
      'ip',
      'netns',
      'exec',
      namespace,
      'tc',
      'qdisc',
      'add',
      'dev',
      'lo',
      'root',
      'netem',
      'delay',
      '1ms',
    ]);
    return tried.ok ? undefined : tried.said || 'tc netem refused';
  } finally {
    asRoot(['ip', 'netns', 'del', namespace]);
  }
}

/** A network fault in one container's network namespace, and how to take it away. */
export interface NetworkFault {
  /** What was put on the link, in words. */
  description: string;
  remove: () => void;
}

/**
 * Degrades every packet in and out of the container's network namespace (for Redis: exactly its link
 * with the api replicas). With netem: `delayMs` of added latency and `lossPercent` loss. Without netem
 * (this kernel has no sch_netem), the loss alone, with iptables' random `statistic` match on both
 * directions: a real network fault still, but no added latency, and the description says so.
 */
export function degradeLink(
  container: ServiceContainer,
  options: { delayMs: number; lossPercent: number; netem: boolean },
): NetworkFault {
  const pid = docker(['inspect', '--format', '{{.State.Pid}}', container.id]);
  const inNamespace = (command: string[]) => {
    const done = asRoot(['nsenter', '-t', pid, '-n', ...command]);
    if (!done.ok)
      throw new Error(`${command.join(' ')} in ${container.name}'s network namespace: ${done.said}`);
  };
  if (options.netem) {
    const rule = ['delay', `${options.delayMs}ms`, 'loss', `${options.lossPercent}%`];
    inNamespace(['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', ...rule]);
    return {
      description: `tc netem ${rule.join(' ')} on ${container.name}'s eth0`,
      remove: () => inNamespace(['tc', 'qdisc', 'del', 'dev', 'eth0', 'root']),
    };
  }
  const probability = String(options.lossPercent / 100);
  const rule = (chain: 'INPUT' | 'OUTPUT', flag: '-A' | '-D') => [
    'iptables',
    flag,
    chain,
    '-p',
    'tcp',
    '-m',
    'statistic',
    '--mode',
    'random',
    '--probability',
    probability,
    '-j',
    'DROP',
  ];
  inNamespace(rule('INPUT', '-A'));
  inNamespace(rule('OUTPUT', '-A'));
  return {
    description:
      `iptables statistic: ${options.lossPercent} % of TCP packets dropped both ways on ${container.name} ` +
      `(NO added latency: this kernel has no sch_netem)`,
    remove: () => {
      inNamespace(rule('INPUT', '-D'));
      inNamespace(rule('OUTPUT', '-D'));
    },
  };
}
