/** The ports of ports.ts implemented with @actions/core, for the action's entries. */
import * as core from '@actions/core';
import { neutralizeWorkflowCommands } from '../report/escape.js';
import type { Logger, OutputSink, StateStore, SummarySink } from './ports.js';

/**
 * Progress to the runner's log; warnings become annotations on the run, phases fold into groups.
 * Messages may quote the stage, so info lines are kept from running workflow commands (debug and
 * warning are escaped by core).
 */
export const coreLogger: Logger = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(neutralizeWorkflowCommands(message)),
  warn: (message) => core.warning(message),
  // `::group::`/`::endgroup::` around the phase: the runner folds it, and shows the title when folded.
  group: (title, body) => core.group(neutralizeWorkflowCommands(title).replace(/\r?\n/g, ' '), body),
};

/** Writes the job summary with core.summary; outside a runner (no GITHUB_STEP_SUMMARY) it only says so in debug. */
export function createCoreSummarySink(logger: Logger = coreLogger): SummarySink {
  return {
    async write(markdown: string) {
      if (!process.env['GITHUB_STEP_SUMMARY']) {
        logger.debug('GITHUB_STEP_SUMMARY is not set (not on a runner?): no job summary written');
        return false;
      }
      await core.summary.addRaw(markdown, true).write();
      return true;
    },
  };
}

export const coreOutputSink: OutputSink = {
  set: (name, value) => core.setOutput(name, value),
};

export const coreStateStore: StateStore = {
  save: (name, value) => core.saveState(name, value),
  get: (name) => core.getState(name),
};
