/** Entry of the action's post step: wires @actions/core and the driver factory into runPost. */
import * as core from '@actions/core';
import { coreLogger, coreStateStore } from '../github/core-ports.js';
import { createDriver } from '../stage/create-driver.js';
import { installExitHooks } from '../stage/exit-hooks.js';
import { runPost } from './run-post.js';

// The teardown's own commands (docker compose down) end with the step, however it ends.
installExitHooks();

void runPost({ state: coreStateStore, logger: coreLogger, createDriver })
  .catch((error: unknown) => {
    // The post step never fails the job: the verdict was the main step's to give.
    core.warning(`post: teardown failed: ${(error as Error)?.message ?? String(error)}`);
  })
  .finally(() => setTimeout(() => process.exit(), 1000).unref());
