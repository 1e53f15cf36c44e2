/**
 * Runs one of the action's entries as the runner does: a separate Node process whose inputs are
 * INPUT_<NAME> variables and whose outputs, state and summary go to the files the runner names.
 * Returns what a workflow would see: exit code, log (stdout), outputs, state and summary.
 */
import { CHECKS_WITHOUT_CAPACITY_TEXT } from '../support/gate-checks.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface EntryRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  dir: string;
}

/** `name<<DELIMITER\nvalue\nDELIMITER` blocks, as @actions/core writes GITHUB_OUTPUT and GITHUB_STATE. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pattern = /^(.+?)<<(ghadelimiter_[0-9a-f-]+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) out[match[1]!] = match[3]!;
  return out;
}

export interface EntryOptions {
  /** `src/action/main.ts` (through tsx) or a built bundle such as `dist/index.js`, from the repo root. */
  entry: string;
  inputs?: Record<string, string>;
  /** GITHUB_* and other variables. */
  env?: Record<string, string>;
  /** Pre-set state (STATE_<name>), as the runner passes it to a post step. */
  state?: Record<string, string>;
  /** Webhook payload written to GITHUB_EVENT_PATH. */
  event?: unknown;
  timeoutMs?: number;
  cwd?: string;
  /** Send `signal` to the process once its log matches `when` (as the runner does on cancellation). */
  interrupt?: { when: RegExp; signal: NodeJS.Signals };
}

export async function runEntry(options: EntryOptions): Promise<EntryRun> {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-entry-'));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  writeFileSync(files.GITHUB_EVENT_PATH, JSON.stringify(options.event ?? {}));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    ...files,
    RUNNER_TEMP: dir,
    ...options.env,
  };
  // A gate run that does not ask for chat-capacity leaves it out (its search takes its whole budget).
  const inputs = { checks: CHECKS_WITHOUT_CAPACITY_TEXT, ...options.inputs };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  // The workspace is the run's own folder, so relative paths (logs, JSON report) land there.
  const entry = resolve(REPO_ROOT, options.entry);
  const args = entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx'), entry] : [entry];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (options.interrupt && !interrupted && options.interrupt.when.test(stdout)) {
      interrupted = true;
      child.kill(options.interrupt.signal);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timeoutMs = options.timeoutMs ?? 90_000;
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const result: EntryRun = {
    code,
    stdout,
    stderr,
    outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    state: parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8')),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    dir,
  };
  return result;
}

export function removeRunDir(run: EntryRun): void {
  rmSync(run.dir, { recursive: true, force: true });
}
