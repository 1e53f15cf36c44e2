/**
 * Entry of the action's main step: wires @actions/core, Octokit and the driver factory into runAction,
 * and is the only place that turns a result or an error into the step's failure.
 */
import * as core from '@actions/core';
import { SettingsError } from '../gate/settings.js';
import { createCoreSummarySink, coreLogger, coreOutputSink, coreStateStore } from '../github/core-ports.js';
import { readEventContext } from '../github/event-context.js';
import { createOctokitGitHubApi } from '../github/octokit-github-api.js';
import { createDriver } from '../stage/create-driver.js';
import { installExitHooks } from '../stage/exit-hooks.js';
import { readActionInputs } from './inputs.js';
import { runAction } from './run-action.js';

// Whatever way the step ends, the local processes and commands it started end with it.
installExitHooks();

const cancel = new AbortController();
// The runner cancels a step with SIGINT, then SIGTERM: stop the checks and tear down in the time left.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => cancel.abort());

async function main(): Promise<void> {
  try {
    const { exit } = await runAction({
      readInputs: () => readActionInputs((name) => core.getInput(name)),
      logger: coreLogger,
      summary: createCoreSummarySink(coreLogger),
      outputs: coreOutputSink,
      state: coreStateStore,
      createDriver,
      createGitHubApi: (token, baseUrl) => createOctokitGitHubApi({ token, baseUrl }),
      context: readEventContext(),
      env: process.env,
      maskSecret: (value) => core.setSecret(value),
      cwd: process.cwd(),
      signal: cancel.signal,
    });
    if (exit.failed) core.setFailed(`stagegate: ${exit.message}`);
  } catch (error) {
    // A user's mistake gets its message; anything else is a bug, reported without a stack trace here
    // (the stack goes to the debug log).
    if (error instanceof SettingsError) core.setFailed(error.message);
    else {
      core.debug((error as Error)?.stack ?? String(error));
      core.setFailed(`stagegate: unexpected error: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}

void main().finally(() => {
  // Everything is torn down by now; a handle left open somewhere must not hold the step.
  setTimeout(() => process.exit(), 1000).unref();
});
