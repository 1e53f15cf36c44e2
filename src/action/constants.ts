/**
 * Every name the action shares with action.yml and the runner, declared once: inputs, outputs and the
 * state handed from the main step to the post step. The inputs are the rows of the options
 * (src/gate/options/option-rows.ts) that exist in the action.
 */
import { GATE_OPTIONS, GITHUB_OPTIONS, type DescribedOption } from '../gate/settings.js';
import { CHECK_IDS } from '../report/model.js';

/** Every input, in action.yml's order: the gate's options, then where the report goes on GitHub. */
export const ACTION_OPTIONS: readonly DescribedOption[] = [...GATE_OPTIONS, ...GITHUB_OPTIONS].filter(
  (option) => option.surfaces.includes('action'),
);

export const ALL_INPUT_NAMES: readonly string[] = ACTION_OPTIONS.map((option) => option.kebab);

export const OUTPUTS = {
  /** `ready`, `not-ready` or `boot-failed`. */
  verdict: 'verdict',
  /** Worst status over the checks that ran: pass, warn, fail or skipped. */
  worst: 'worst',
  /** `true` when the stage could not be booted (so no check proved anything). */
  bootFailed: 'boot-failed',
  /** JSON object: check id → status. */
  checks: 'checks',
  /** Absolute path of the JSON report. */
  reportJson: 'report-json',
  /** The report as markdown (the PR comment's text, within GitHub's comment limit). */
  markdown: 'markdown',
  /** URL of the sticky PR comment, when one was written or found. */
  commentUrl: 'comment-url',
  /** Absolute path of the folder holding each service's log. */
  logDir: 'log-dir',
} as const;

/** One output per check, named by the check id, holding its status. */
export const CHECK_OUTPUTS: readonly string[] = CHECK_IDS;

export const STATE = {
  /** The driver choice (JSON) the main step booted with; empty when nothing was booted. */
  driverChoice: 'stage-driver',
  /** `true` once the main step has torn the stage down itself. */
  tornDown: 'stage-torn-down',
  logDir: 'log-dir',
  teardownTimeoutMs: 'teardown-timeout-ms',
} as const;
