/**
 * Reads every input of the action once, with core.getInput's semantics (INPUT_<NAME>), and validates
 * them with the gate's schema into one typed object. Errors name the input and the expected form; the
 * GitHub token is kept out of every message.
 */
import {
  GATE_OPTIONS,
  parseGateSettings,
  SettingsError,
  type GateSettings,
  type GateSettingsInput,
} from '../gate/settings.js';
import { ACTION_DEFAULT_OVERRIDES, ACTION_INPUTS } from './constants.js';

export interface ActionInputs {
  settings: GateSettings;
  githubToken: string;
  prComment: boolean;
  /** Distinguishes this job's sticky comment; blank means the job id. */
  commentKey: string;
}

/** Same contract as core.getInput: the input's value, trimmed, '' when not given. */
export type InputReader = (name: string) => string;

function parseBoolean(name: string, value: string, fallback: boolean): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === '') return fallback;
  if (['true', 'yes', 'on', '1'].includes(normalized)) return true;
  if (['false', 'no', 'off', '0'].includes(normalized)) return false;
  throw new SettingsError(`Invalid ${name} '${value.slice(0, 40)}': expected true or false.`, name);
}

export function readActionInputs(getInput: InputReader): ActionInputs {
  const raw: GateSettingsInput = {};
  for (const option of GATE_OPTIONS) {
    const value = getInput(option.kebab);
    const fallback = ACTION_DEFAULT_OVERRIDES[option.name];
    // Blank means "the default": the action's own where it has one, otherwise the gate's.
    const chosen = value !== '' ? value : fallback;
    if (chosen !== undefined && chosen !== '') raw[option.name] = chosen;
  }
  const settings = parseGateSettings(raw);
  const githubToken = getInput(ACTION_INPUTS.githubToken);
  const prComment = parseBoolean(ACTION_INPUTS.prComment, getInput(ACTION_INPUTS.prComment), true);
  const commentKey = getInput(ACTION_INPUTS.commentKey);
  if (commentKey.length > 100)
    throw new SettingsError(
      `Invalid ${ACTION_INPUTS.commentKey}: expected at most 100 characters (got ${commentKey.length}).`,
      ACTION_INPUTS.commentKey,
    );
  return { settings, githubToken, prComment, commentKey };
}
