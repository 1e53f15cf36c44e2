/**
 * The `docker compose` command lines of the compose driver, as pure functions of their inputs (the
 * arguments after `docker`), so each one is tested as the exact list it runs.
 */

/** Which compose project a command acts on. */
export interface ComposeProject {
  /** Compose file, relative to the driver's working directory or absolute. */
  file: string;
  /** `-p` name: containers are `<project>-<service>-<n>`; absent, compose takes the file's `name:`. */
  name?: string;
  /** `--env-file`: the variables the file interpolates (e.g. image names for a registry mirror). */
  envFile?: string;
}

export interface UpOptions {
  build: boolean;
  apiService: string;
  replicas: number;
  /** `--wait-timeout` in whole seconds; omitted when compose is too old to know the flag. */
  waitTimeoutSeconds?: number;
  /** Boot only these services (compose adds what they depend on); empty: every service of the file. */
  services?: string[];
}

export interface ComposeVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

/** `--wait-timeout` appeared in compose 2.17.0; `--wait` itself is older. */
export const WAIT_TIMEOUT_SINCE: Readonly<[number, number, number]> = [2, 17, 0];

function projectArgs(project: ComposeProject): string[] {
  return [
    'compose',
    ...(project.envFile ? ['--env-file', project.envFile] : []),
    '-f',
    project.file,
    ...(project.name ? ['-p', project.name] : []),
  ];
}

/**
 * Plain `version` (not `--short`): without the plugin, the docker CLI then answers "unknown command:
 * docker compose", which says what is missing, instead of complaining about the flag.
 */
export function versionArgs(): string[] {
  return ['compose', 'version'];
}

export function upArgs(project: ComposeProject, options: UpOptions): string[] {
  return [
    ...projectArgs(project),
    'up',
    '-d',
    ...(options.build ? ['--build'] : []),
    '--scale',
    `${options.apiService}=${options.replicas}`,
    '--wait',
    ...(options.waitTimeoutSeconds !== undefined
      ? ['--wait-timeout', String(options.waitTimeoutSeconds)]
      : []),
    ...(options.services ?? []),
  ];
}

/** `--all`: a replica that died must show up as exited, not vanish from the list. */
export function psArgs(project: ComposeProject): string[] {
  return [...projectArgs(project), 'ps', '--all', '--format', 'json'];
}

/**
 * The prefix is kept (it names the container of every line) and timestamps are added (they order the
 * lines of several replicas). `tail` bounds the lines per container; omitted, the whole log.
 */
export function logsArgs(project: ComposeProject, service: string, tail?: number): string[] {
  return [
    ...projectArgs(project),
    'logs',
    '--no-color',
    '--timestamps',
    ...(tail !== undefined ? ['--tail', String(tail)] : []),
    service,
  ];
}

/** Every service the file declares, one per line (used when `ps` cannot list them). */
export function configServicesArgs(project: ComposeProject): string[] {
  return [...projectArgs(project), 'config', '--services'];
}

/** The whole file as compose resolves it (variables interpolated), as JSON: what discovery reads. */
export function configJsonArgs(project: ComposeProject): string[] {
  return [...projectArgs(project), 'config', '--format', 'json'];
}

/** `-v`: the stage's volumes (e.g. the model cache) go too; `--timeout`: seconds to stop each container. */
export function downArgs(project: ComposeProject, stopTimeoutSeconds: number): string[] {
  return [...projectArgs(project), 'down', '-v', '--remove-orphans', '--timeout', String(stopTimeoutSeconds)];
}

/** Read `docker compose version` (`Docker Compose version v2.29.1`, `2.29.1`, `v2.24.6-desktop.1`). */
export function parseComposeVersion(stdout: string): ComposeVersion | undefined {
  const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(stdout.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), text: match[0] };
}

export function versionAtLeast(
  version: ComposeVersion,
  minimum: Readonly<[number, number, number]>,
): boolean {
  const have = [version.major, version.minor, version.patch];
  for (let i = 0; i < 3; i++) {
    if (have[i]! !== minimum[i]!) return have[i]! > minimum[i]!;
  }
  return true;
}
