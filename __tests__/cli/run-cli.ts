/** Runs the CLI as a user does: a real process (the TypeScript entry under tsx), real flags. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CHECKS_WITHOUT_CAPACITY_TEXT } from '../support/gate-checks.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

export function runCli(
  args: string[],
  timeoutMs = 120_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    // A gate run that does not ask for chat-capacity leaves it out (its search takes its whole budget).
    const checks =
      args.includes('--driver') && !args.includes('--checks')
        ? ['--checks', CHECKS_WITHOUT_CAPACITY_TEXT]
        : [];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, ...checks], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', NODE_TEST_CONTEXT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not finish within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}
