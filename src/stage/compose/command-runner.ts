/**
 * Runs an external command (here: `docker compose ...`) with a hard time bound, behind an interface so
 * the compose driver's command lines and output parsing can be tested without Docker. The real runner
 * starts the command in its own process group, so a timeout or an abort ends it together with
 * anything it spawned (the docker CLI runs compose as a child plugin process).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Transform } from 'node:stream';
import { registerExitCleanup } from '../exit-hooks.js';

export interface RunOptions {
  /** Whole environment of the child (not merged with this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The command is killed (SIGTERM, then SIGKILL) when it runs longer than this. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Stream stdout into this file (created or truncated) instead of capturing it in memory. */
  stdoutFile?: string;
  /** With `stdoutFile`: what stdout passes through on its way to the file (e.g. an escape stripper). */
  stdoutFileFilter?: () => Transform;
}

export interface CommandResult {
  /** `null` when the command was ended by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Captured stdout (empty when streamed to `stdoutFile`); only its tail when it was huge. */
  stdout: string;
  /** Captured stderr; only its tail when it was huge. */
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
}

export interface CommandRunner {
  /** Resolves whatever the exit status; rejects only when the command cannot be started. */
  run(command: string, args: string[], options: RunOptions): Promise<CommandResult>;
}

/** The command is not installed (or not on PATH). */
export class CommandNotFoundError extends Error {
  constructor(readonly command: string) {
    super(`the "${command}" command was not found on PATH`);
    this.name = 'CommandNotFoundError';
  }
}

/** Keeps at most `limit` bytes of a stream: the newest ones, which is where errors are. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const excess = this.size - this.limit;
      const first = this.chunks[0]!;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
      this.truncated = true;
    }
  }

  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export interface ChildProcessRunnerOptions {
  /** Time between SIGTERM and SIGKILL when a command must be ended. */
  killGraceMs?: number;
  /** Bound on captured stdout and on captured stderr, each. */
  maxCaptureBytes?: number;
}

export class ChildProcessRunner implements CommandRunner {
  private readonly killGraceMs: number;
  private readonly maxCaptureBytes: number;

  constructor(options: ChildProcessRunnerOptions = {}) {
    this.killGraceMs = options.killGraceMs ?? 3000;
    this.maxCaptureBytes = options.maxCaptureBytes ?? 32 * 1024 * 1024;
  }

  run(command: string, args: string[], options: RunOptions): Promise<CommandResult> {
    const started = Date.now();
    if (options.signal?.aborted) {
      return Promise.resolve({
        exitCode: null,
        signal: null,
        stdout: '',
        stderr: 'not started: aborted',
        timedOut: false,
        aborted: true,
        durationMs: 0,
      });
    }
    return new Promise<CommandResult>((resolve, reject) => {
      let file: ReturnType<typeof createWriteStream> | undefined;
      let fileClosed: Promise<void> = Promise.resolve();
      if (options.stdoutFile) {
        try {
          mkdirSync(dirname(options.stdoutFile), { recursive: true });
          file = createWriteStream(options.stdoutFile);
        } catch (error) {
          reject(error);
          return;
        }
        const stream = file;
        fileClosed = new Promise((done) => {
          stream.once('close', () => done());
          // A write error (disk full...) must not crash the run: the command still gets ended below.
          stream.once('error', () => done());
        });
      }

      const child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const stdout = new TailBuffer(this.maxCaptureBytes);
      const stderr = new TailBuffer(this.maxCaptureBytes);
      if (file && options.stdoutFileFilter) child.stdout.pipe(options.stdoutFileFilter()).pipe(file);
      else if (file) child.stdout.pipe(file);
      else child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      // A command still running when this process exits or is interrupted is killed with it.
      const unregister =
        child.pid !== undefined ? registerExitCleanup(() => signalGroup(child.pid!, 'SIGKILL')) : () => {};

      let timedOut = false;
      let aborted = false;
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      let drainTimer: NodeJS.Timeout | undefined;
      const end = () => {
        if (child.pid === undefined || killTimer) return;
        signalGroup(child.pid, 'SIGTERM');
        killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), this.killGraceMs);
      };
      const timeout = setTimeout(() => {
        timedOut = true;
        end();
      }, options.timeoutMs);
      const onAbort = () => {
        aborted = true;
        end();
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });

      const cleanup = () => {
        settled = true;
        clearTimeout(timeout);
        clearTimeout(killTimer);
        clearTimeout(drainTimer);
        options.signal?.removeEventListener('abort', onAbort);
        unregister();
      };

      child.once('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        cleanup();
        file?.destroy();
        reject(error.code === 'ENOENT' ? new CommandNotFoundError(command) : error);
      });
      // Output pipes close after the exit; a grandchild that escaped the group could hold them open
      // forever, so stop waiting for them shortly after the exit.
      child.once('exit', () => {
        drainTimer = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          file?.end();
        }, 2000);
      });
      child.once('close', (code, signal) => {
        if (settled) return;
        cleanup();
        void fileClosed.then(() => {
          const err = stderr.toString();
          resolve({
            exitCode: code,
            signal,
            stdout: stdout.toString(),
            stderr: stderr.truncated ? `[earlier output dropped]\n${err}` : err,
            timedOut,
            aborted,
            durationMs: Date.now() - started,
          });
        });
      });
    });
  }
}
