/**
 * Primitives for running a stage's services as local processes on loopback: free ports, a managed
 * child process whose output streams to a log file, bounded waits, and a stop that never leaves orphans.
 * Used by the local stage driver and by tests that need a real Redis or real API replicas.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

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
    liveProcesses.add(this);
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
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
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
    liveProcesses.delete(this);
  }
}

/**
 * Every process started and not yet stopped in this Node process. On exit (normal, Ctrl-C, SIGTERM)
 * they are killed synchronously, so a crashed or interrupted run leaves no orphan behind.
 */
const liveProcesses = new Set<ManagedProcess>();
let exitHooksInstalled = false;

/** Synchronous cleanups (e.g. removing a stage's work dir) run right after the kill on exit. */
const exitCleanups = new Set<() => void>();

/** Run `cleanup` (synchronous, must not throw) when the process exits or is interrupted; returns an unregister. */
export function registerExitCleanup(cleanup: () => void): () => void {
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

function killAllNow(): void {
  for (const managed of liveProcesses) managed.signal('SIGKILL');
  liveProcesses.clear();
  for (const cleanup of exitCleanups) {
    try {
      cleanup();
    } catch {
      // Best effort while exiting: nothing can report it any more.
    }
  }
  exitCleanups.clear();
}

export function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // An entry that handles this signal itself (graceful teardown: the CLI, the action) is in charge;
      // the 'exit' hook still kills whatever it leaves behind.
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      killAllNow();
      // Re-raise with the default handler so the exit status says what happened.
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}
installExitHooks();

/** Run `probe` until it resolves true, or the deadline passes. Every probe is itself bounded by the caller. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal; what: string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  for (;;) {
    if (options.signal?.aborted) throw new Error(`aborted while waiting for ${options.what}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))),
    );
  }
}

/** GET `url` with a timeout; true on a 2xx. */
export async function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
