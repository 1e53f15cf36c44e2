/**
 * Every name the action shares with action.yml and the runner, declared once: inputs, outputs and the
 * state handed from the main step to the post step. The gate's own inputs are the kebab-case names of
 * GATE_OPTIONS (src/gate/settings.ts); only the action's GitHub-side inputs are listed here.
 */
import { GATE_OPTIONS, type GateOptionName } from '../gate/settings.js';
import { CHECK_IDS } from '../report/model.js';

/** Inputs that only the action has (the gate's options are GATE_OPTIONS). */
export const ACTION_INPUTS = {
  githubToken: 'github-token',
  prComment: 'pr-comment',
  commentKey: 'comment-key',
} as const;

/** Every input name, gate options first, as action.yml lists them. */
export const ALL_INPUT_NAMES: readonly string[] = [
  ...GATE_OPTIONS.map((option) => option.kebab),
  ...Object.values(ACTION_INPUTS),
];

/**
 * Where the action's defaults differ from the gate's, and why: `base-url` stays blank so the driver
 * decides (compose: its published port, local: a free port, external: required); the action always
 * keeps the logs and the JSON report, in a folder the workflow can upload.
 */
export const ACTION_DEFAULT_OVERRIDES: Partial<Record<GateOptionName, string>> = {
  baseUrl: '',
  logDir: '.stagegate/logs',
  jsonReport: '.stagegate/report.json',
};

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

/** Key of the sticky comment when neither comment-key nor the job id (GITHUB_JOB) is known. */
export const DEFAULT_COMMENT_KEY = 'stagegate';
