/**
 * The small interfaces through which the action's logic reaches GitHub and the runner. Production
 * wires them to @actions/core and Octokit (see core-ports.ts and octokit-github-api.ts); tests pass
 * recording fakes or point the real ones at a local server.
 */

/** The gate's progress log (info / warn / debug), shared with the core, so one logger serves both. */
export type { GateLogger as Logger } from '../kit/gate-logger.js';

/** Where the job summary goes. Resolves to false when there is no summary to write to (a local run). */
export interface SummarySink {
  write(markdown: string): Promise<boolean>;
}

/** The step's outputs. */
export interface OutputSink {
  set(name: string, value: string): void;
}

/** State handed from the main step to the post step. */
export interface StateStore {
  save(name: string, value: string): void;
  get(name: string): string;
}
