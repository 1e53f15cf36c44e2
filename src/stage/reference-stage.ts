/**
 * Where the reference stage's programs are, for the local stage to start them: the chat API, the
 * Ollama simulator and the shared HAProxy config. Two layouts exist:
 * - from source (this module is a `.ts` file, run under tsx): `node --import tsx src/api/main.ts`;
 * - bundled by ncc (this code inside dist/index.js or dist/cli/index.js, whose `import.meta.url` ncc
 *   keeps as the bundle's own URL): `node dist/api/index.js`, with the config under the action's root.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A program to start: `command ...args`, from `cwd` when given. */
export interface ProgramCommand {
  command: string;
  args: string[];
  cwd?: string;
}

export interface ReferenceStage {
  layout: 'source' | 'bundle';
  /** Repository root (source) or the action's root, the parent of dist/ (bundle). */
  root: string;
  api: ProgramCommand;
  simulator: ProgramCommand;
  haproxyConfig: string;
}

export const HAPROXY_CONFIG_PATH = join('deploy', 'haproxy', 'haproxy.cfg');

/**
 * Resolve the reference stage for the module at `moduleUrl` (defaults to this one; tests pass a
 * bundle's URL). Throws with a clear message when a bundle layout lacks the api bundle.
 */
export function resolveReferenceStage(moduleUrl: string = import.meta.url): ReferenceStage {
  const modulePath = fileURLToPath(moduleUrl);
  if (modulePath.endsWith('.ts')) {
    // src/stage/reference-stage.ts → repository root.
    const root = dirname(dirname(dirname(modulePath)));
    // `--import tsx` is resolved from the working directory, so run from the repository root.
    const fromSource = (entry: string): ProgramCommand => ({
      command: process.execPath,
      args: ['--import', 'tsx', join(root, entry)],
      cwd: root,
    });
    return {
      layout: 'source',
      root,
      api: fromSource(join('src', 'api', 'main.ts')),
      simulator: fromSource(join('src', 'ollama-sim', 'main.ts')),
      haproxyConfig: join(root, HAPROXY_CONFIG_PATH),
    };
  }

  // dist/index.js (action) or dist/<entry>/index.js (cli, post): dist/ is the folder holding api/.
  const bundleDir = dirname(modulePath);
  const dist = [bundleDir, dirname(bundleDir)].find((candidate) =>
    existsSync(join(candidate, 'api', 'index.js')),
  );
  if (!dist)
    throw new Error(
      `cannot find the api bundle (api/index.js) next to ${modulePath} or one folder up; rebuild with "npm run package"`,
    );
  const root = dirname(dist);
  return {
    layout: 'bundle',
    root,
    api: { command: process.execPath, args: [join(dist, 'api', 'index.js')], cwd: root },
    simulator: { command: process.execPath, args: [join(dist, 'ollama-sim', 'index.js')], cwd: root },
    haproxyConfig: join(root, HAPROXY_CONFIG_PATH),
  };
}
