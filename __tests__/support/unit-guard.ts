/**
 * Loaded before every unit test file (`npm run test:unit`): a unit test must not start a process, so
 * every way of starting one throws, naming the call. A test that needs a real Redis, HAProxy, an API
 * process or a bundle build belongs in a `*.itg.test.ts` or `*.slow.test.ts` file instead.
 *
 * The test runner's own spawning of one process per file is not affected: it holds Node's internal
 * bindings, not this module object.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';

const STARTERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

for (const name of STARTERS) {
  Object.assign(childProcess, {
    [name]: () => {
      throw new Error(
        `a unit test started a process (child_process.${name}); move the test to a *.itg.test.ts file`,
      );
    },
  });
}
// Named imports (`import { spawn } from 'node:child_process'`) read the patched functions too.
syncBuiltinESMExports();
