/**
 * Primitives for running a stage's services as local processes on loopback: free ports, a managed
 * child process whose output streams to a log file, the env children start from, bounded waits and
 * probes, and a stop that never leaves orphans. Used by the local stage and by tests that need a real
 * Redis or real API replicas. Importing it installs no process hook (see ../exit-hooks.ts).
 */
import { settleWithin } from '../../kit/settle.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { pollUntil } from '../../kit/poll.js';
import { killOnExit } from '../exit-hooks.js';

/** Ask the kernel for a free TCP port on loopback. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** `count` distinct free loopback ports (the kernel may hand the same one out twice in a row). */
export async function findFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempts = 0; ports.size < count; attempts++) {
    if (attempts > count * 10) throw new Error(`could not find ${count} distinct free ports`);
    ports.add(await findFreePort());
  }
  return [...ports];
}

/** The children's base env: ours, minus what must not leak into a local stage (no OTLP collector here). */
export function childBaseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

export interface ManagedProcessOptions {
  /** Name shown in errors and status rows, e.g. `api-2`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile: string;
}

/**
 * A child process in its own process group (so stop() also ends anything it spawned), whose output
 * goes to a log file rather than to memory. The child writes to the file itself (its stdout and stderr
 * are the file's descriptor): relaying every log line through this process cost the gate and the
 * benchmarks as much CPU as their HTTP client did.
 */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private readonly forgetAtExit: () => void;

  constructor(options: ManagedProcessOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    mkdirSync(dirname(options.logFile), { recursive: true });
    const logFd = openSync(options.logFile, 'a');
    try {
      this.child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', logFd, logFd],
        detached: true,
      });
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(logFd);
    }
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.exitInfo = { code: -1, signal: null };
        appendFileSync(options.logFile, `[stagegate] could not start ${options.command}: ${error.message}\n`);
        resolve();
      });
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
    });
    // Until stopped, it dies with this process (when the entry installed the exit hooks).
    this.forgetAtExit = killOnExit(this);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** How the process ended; undefined while it runs. */
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /** `exited (code 1)` / `killed (SIGKILL)` / `running`, for logs and boot failures. */
  describeState(): string {
    if (!this.exitInfo) return 'running';
    if (this.exitInfo.signal) return `killed (${this.exitInfo.signal})`;
    return `exited (code ${this.exitInfo.code})`;
  }

  /** Resolves when the process has exited, or after `timeoutMs` (then resolves false). */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    if (!this.running) return true;
    return (await settleWithin(this.exited, { limitMs: timeoutMs })).kind === 'done';
  }

  /** Send a signal to the whole process group. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone between the check and the kill.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. Never throws. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.running) {
      this.signal('SIGTERM');
      if (!(await this.waitForExit(graceMs))) {
        this.signal('SIGKILL');
        await this.waitForExit(graceMs);
      }
    }
    this.forgetAtExit();
  }
}

/**
 * `pollUntil` for callers with nothing of their own to say on failure: throws "timed out after N ms
 * waiting for <what>" (or "aborted while waiting for <what>"). Every probe is itself bounded by the caller.
 */
export async function waitUntil(
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; what: string },
): Promise<void> {
  const outcome = await pollUntil(probe, {
    deadline: Date.now() + options.timeoutMs,
    intervalMs: options.intervalMs,
    signal: options.signal,
  });
  if (outcome === 'aborted') throw new Error(`aborted while waiting for ${options.what}`);
  if (outcome !== 'ready')
    throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
}

/** GET `url` with a timeout (and the caller's abort signal); true on a 2xx. Never throws. */
export async function httpOk(url: string, timeoutMs = 1000, signal?: AbortSignal): Promise<boolean> {
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
