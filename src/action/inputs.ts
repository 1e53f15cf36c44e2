/**
 * Reads every input of the action once, with core.getInput's semantics (INPUT_<NAME>), and validates
 * them with the options' schemas into one typed object. Errors name the input and the expected form;
 * the GitHub token is kept out of every message.
 */
import {
  GATE_OPTIONS,
  GITHUB_OPTIONS,
  parseGateSettings,
  parseGitHubOptions,
  type DescribedOption,
  type GateSettings,
} from '../gate/settings.js';

export interface ActionInputs {
  settings: GateSettings;
  githubToken: string;
  prComment: boolean;
  /** Distinguishes this job's sticky comment; blank means the job id. */
  commentKey: string;
}

/** Same contract as core.getInput: the input's value, trimmed, '' when not given. */
export type InputReader = (name: string) => string;

/**
 * The raw value of each action input. Blank means "the default": the action's own where it has one
 * (the runner fills it in from action.yml; this also holds when the step runs without it), else the
 * option's. A runner expression such as `${{ github.token }}` is the runner's to evaluate.
 */
function readRaw<Name extends string>(
  options: ReadonlyArray<DescribedOption<Name>>,
  getInput: InputReader,
): Partial<Record<Name, string>> {
  const raw: Partial<Record<Name, string>> = {};
  for (const option of options) {
    if (!option.surfaces.includes('action')) continue;
    const value = getInput(option.kebab);
    const fallback = option.action?.default?.startsWith('${{') ? undefined : option.action?.default;
    const chosen = value !== '' ? value : fallback;
    if (chosen !== undefined && chosen !== '') raw[option.name] = chosen;
  }
  return raw;
}

export function readActionInputs(getInput: InputReader): ActionInputs {
  const settings = parseGateSettings(readRaw(GATE_OPTIONS, getInput));
  const github = parseGitHubOptions(readRaw(GITHUB_OPTIONS, getInput));
  return { settings, ...github, commentKey: github.commentKey ?? '' };
}
