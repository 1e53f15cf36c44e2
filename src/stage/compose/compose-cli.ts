/**
 * One compose project as the docker CLI sees it: every command runs with the same binary, working
 * directory and environment, and the first one checks (once, remembered) that Compose v2 is there.
 * Read-only queries reject with a message naming the command; `up`, `down` and the log streams take
 * their results as they come, because their callers word what a failure means.
 */
import {
  CommandNotFoundError,
  type CommandResult,
  type CommandRunner,
  type RunOptions,
} from './command-runner.js';
import {
  parseComposeVersion,
  versionArgs,
  type ComposeProject,
  type ComposeVersion,
} from './compose-commands.js';
import { firstLine, lastLine, messageOf } from './compose-output.js';

const VERSION_TIMEOUT_MS = 20_000;
export const QUERY_TIMEOUT_MS = 30_000;

/** Docker, or its compose v2 plugin, is missing or broken. */
export class ComposeUnavailableError extends Error {
  constructor(detail: string) {
    super(`docker compose v2 is not available: ${detail}`);
    this.name = 'ComposeUnavailableError';
  }
}

export class ComposeCli {
  private versionCheck: Promise<ComposeVersion> | undefined;

  constructor(
    readonly project: ComposeProject,
    readonly docker: string,
    private readonly runner: CommandRunner,
    private readonly cwd: string | undefined,
    /** The environment of every command, read at each run (the boot adds to it). */
    private readonly env: () => NodeJS.ProcessEnv,
  ) {}

  /** Runs `docker <args>`; resolves whatever the exit status. */
  run(args: string[], options: Omit<RunOptions, 'env' | 'cwd'>): Promise<CommandResult> {
    return this.runner.run(this.docker, args, { ...options, env: this.env(), cwd: this.cwd });
  }

  /** A read-only compose command; rejects with a message naming it when it fails or hangs. */
  async query(
    args: string[],
    what: string,
    signal?: AbortSignal,
    stdoutFile?: string,
  ): Promise<CommandResult> {
    const result = await this.run(args, {
      timeoutMs: QUERY_TIMEOUT_MS,
      signal,
      ...(stdoutFile ? { stdoutFile } : {}),
    });
    if (result.aborted) throw new Error(`docker compose ${what} was cancelled`);
    if (result.timedOut)
      throw new Error(`docker compose ${what} did not answer within ${QUERY_TIMEOUT_MS / 1000} s`);
    if (result.exitCode !== 0)
      throw new Error(
        `docker compose ${what} failed (exit ${result.exitCode}): ${lastLine(result.stderr || result.stdout)}`,
      );
    return result;
  }

  /** Compose's version; checked once (a transient failure, or a cancelled check, is not remembered). */
  ensureVersion(signal?: AbortSignal): Promise<ComposeVersion> {
    this.versionCheck ??= this.checkVersion(signal).catch((error: unknown) => {
      this.versionCheck = undefined;
      throw error;
    });
    return this.versionCheck;
  }

  private async checkVersion(signal?: AbortSignal): Promise<ComposeVersion> {
    const command = `"${this.docker} compose version"`;
    let result: CommandResult;
    try {
      result = await this.run(versionArgs(), { timeoutMs: VERSION_TIMEOUT_MS, signal });
    } catch (error) {
      if (error instanceof CommandNotFoundError)
        throw new ComposeUnavailableError(
          `${error.message}; install Docker with the Compose v2 plugin, or use the local driver`,
        );
      throw new ComposeUnavailableError(`${command} could not be run: ${messageOf(error)}`);
    }
    if (result.aborted) throw new ComposeUnavailableError('the check was cancelled');
    if (result.timedOut)
      throw new ComposeUnavailableError(`${command} did not answer within ${VERSION_TIMEOUT_MS / 1000} s`);
    if (result.exitCode !== 0)
      throw new ComposeUnavailableError(
        // The first line says what is wrong ("unknown command: docker compose"); later ones say "see --help".
        `${command} failed (exit ${result.exitCode}): ${firstLine(result.stderr || result.stdout)}; install the Compose v2 plugin, or use the local driver`,
      );
    const version = parseComposeVersion(result.stdout);
    if (!version) throw new ComposeUnavailableError(`cannot read a version in "${lastLine(result.stdout)}"`);
    if (version.major < 2)
      throw new ComposeUnavailableError(`found compose ${version.text}; version 2 or later is needed`);
    return version;
  }
}
