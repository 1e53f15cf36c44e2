/**
 * The teardown's log saving: one file per service, `<logDir>/<service>.log`, streamed from
 * `docker compose logs` (every container of the service) with terminal escapes stripped, before `down`
 * removes the containers and their logs with them. Bounded by a budget; a failure is said, not thrown.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { configServicesArgs, logsArgs, psArgs } from './compose-commands.js';
import { QUERY_TIMEOUT_MS, type ComposeCli } from './compose-cli.js';
import { lastLine, messageOf } from './compose-output.js';
import { parseComposePs } from './compose-ps.js';
import { TerminalEscapeStripper } from './terminal-escapes.js';

export async function saveServiceLogs(
  cli: ComposeCli,
  logDir: string,
  budgetMs: number,
  say: (text: string) => void,
  isServiceName: (name: string) => boolean,
): Promise<void> {
  const deadline = Date.now() + budgetMs;
  try {
    mkdirSync(logDir, { recursive: true });
  } catch (error) {
    say(`cannot save logs: cannot create ${logDir}: ${messageOf(error)}`);
    return;
  }
  const names = await serviceNames(cli, Math.min(QUERY_TIMEOUT_MS, budgetMs), isServiceName);
  await Promise.all(
    names.map(async (name) => {
      const file = join(logDir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`);
      try {
        const result = await cli.run(logsArgs(cli.project, name), {
          timeoutMs: Math.max(1000, deadline - Date.now()),
          stdoutFile: file,
          stdoutFileFilter: () => new TerminalEscapeStripper(),
        });
        if (result.timedOut) say(`log of ${name} cut short by the teardown timeout: ${file}`);
        else if (result.exitCode !== 0)
          say(
            `log of ${name}: docker compose logs failed (exit ${result.exitCode}): ${lastLine(result.stderr)}`,
          );
        else say(`log of ${name} saved: ${file}`);
      } catch (error) {
        say(`log of ${name} not saved: ${messageOf(error)}`);
      }
    }),
  );
}

/** Services that have containers (from `ps`), else every service the file declares. */
async function serviceNames(
  cli: ComposeCli,
  timeoutMs: number,
  isServiceName: (name: string) => boolean,
): Promise<string[]> {
  try {
    const ps = await cli.run(psArgs(cli.project), { timeoutMs });
    if (ps.exitCode === 0) {
      const names = [...new Set(parseComposePs(ps.stdout).map((s) => s.service))];
      if (names.length > 0) return names;
    }
  } catch {
    // Fall through to the file's own list.
  }
  try {
    const config = await cli.run(configServicesArgs(cli.project), { timeoutMs });
    if (config.exitCode === 0)
      return config.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter(isServiceName);
  } catch {
    // Nothing more to try.
  }
  return [];
}
