/** CLI entry (`npx stagegate`, `npm run gate:local`): wires the real driver factory and GitHub client into runCli. */
import { driverChoiceFor } from '../gate/driver-choice.js';
import { createOctokitGitHubApi } from '../github/octokit-github-api.js';
import { createDriver } from '../stage/create-driver.js';
import { installExitHooks } from '../stage/exit-hooks.js';
import { runCli } from './run-cli.js';

// Whatever way this process ends, the local processes and commands it started end with it.
installExitHooks();

// First Ctrl-C: stop the checks and tear the stage down (a compose stage must not be left up).
// A second one exits at once; the process hooks then kill any local process still running.
const cancel = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (cancel.signal.aborted) process.exit(130);
    process.stderr.write(`\nstagegate: ${signal}: stopping and tearing the stage down… (again to force)\n`);
    cancel.abort();
  });
}

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: cancel.signal,
  createDriver: (settings, log) => createDriver(driverChoiceFor(settings, { log })),
  createGitHubApi: (token, baseUrl) => createOctokitGitHubApi({ token, baseUrl }),
}).then((code) => {
  process.exitCode = code;
  // Everything was torn down; a handle left open somewhere must not keep the CLI from exiting.
  setTimeout(() => process.exit(code), 1000).unref();
});
