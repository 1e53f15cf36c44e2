/**
 * Command-line flags → the same raw option values an action input carries, with node:util's parseArgs.
 * The flags are generated from the option rows: every option the CLI has is a `--kebab-case` flag;
 * `--flag value` and `--flag=value` both work, a boolean may be given bare (`--keep-stage`), with a
 * value (`--build=false`) or negated (`--no-build`), and list flags may be repeated
 * (`--llm-questions "A" --llm-questions "B"`). A mistake is a CliUsageError naming the flag.
 *
 * parseArgs runs non-strict and we judge its tokens: its strict mode refuses what users rely on here
 * (`--keep-stage=false`, a negative number as a value: `--replicas -1` must reach the range check),
 * and its messages would not name the option's expected form.
 */
import { parseArgs as tokenize, type ParseArgsConfig } from 'node:util';
import {
  GATE_OPTIONS,
  GITHUB_OPTIONS,
  type DescribedOption,
  type GateSettingsInput,
  type GitHubOptionName,
} from '../gate/settings.js';

export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export interface CliArgs {
  help: boolean;
  verbose: boolean;
  color: boolean | undefined;
  settings: GateSettingsInput;
  /** The GitHub-side options the CLI has (`--comment-key`), raw. */
  github: Partial<Record<GitHubOptionName, unknown>>;
}

/** Flags of the CLI itself, not options of the gate. */
export const CLI_FLAGS = [
  { flag: 'help', description: 'Show this help and exit.' },
  { flag: 'verbose', description: 'Also print debug lines to stderr.' },
  { flag: 'no-color', description: 'Never colour the report (also NO_COLOR=1).' },
  { flag: 'json', description: 'Alias of --json-report: write the JSON report to this file.' },
] as const;

/** Every option row the CLI takes as a flag, by flag name. */
export const CLI_OPTIONS: readonly DescribedOption[] = [...GATE_OPTIONS, ...GITHUB_OPTIONS].filter((option) =>
  option.surfaces.includes('cli'),
);
const BY_FLAG = new Map(CLI_OPTIONS.map((option) => [option.kebab, option]));
const GATE_NAMES = new Set<string>(GATE_OPTIONS.map((option) => option.name));
const ALIASES: Record<string, string> = { json: 'json-report' };
const isList = (option: DescribedOption) => option.kind === 'list' || option.kind === 'lines';

/** parseArgs' flags: the CLI's own, then one per option row (and `--no-x` for each boolean). */
type FlagConfig = NonNullable<ParseArgsConfig['options']>;
const FLAGS: FlagConfig = {
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  json: { type: 'string' },
  ...Object.fromEntries(
    CLI_OPTIONS.flatMap((option): Array<[string, FlagConfig[string]]> =>
      option.kind === 'boolean'
        ? [
            [option.kebab, { type: 'boolean' }],
            [`no-${option.kebab}`, { type: 'boolean' }],
          ]
        : [[option.kebab, { type: 'string', multiple: isList(option) }]],
    ),
  ),
};

/** Edit distance, to suggest the flag the user probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function suggestion(name: string): string {
  const best = Object.keys(FLAGS)
    .map((candidate) => ({ candidate, score: distance(name, candidate) }))
    .sort((a, b) => a.score - b.score)[0];
  return best && best.score <= Math.max(2, Math.floor(name.length / 3))
    ? ` Did you mean --${best.candidate}?`
    : '';
}

function tokensOf(argv: string[]) {
  try {
    return tokenize({ args: argv, options: FLAGS, strict: false, allowPositionals: true, tokens: true })
      .tokens;
  } catch (error) {
    // Not expected in non-strict mode; should parseArgs refuse anyway, it is still a usage error.
    throw new CliUsageError(`${(error as Error).message} See --help for every flag.`);
  }
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { help: false, verbose: false, color: undefined, settings: {}, github: {} };
  const given = new Set<string>();
  const set = (option: DescribedOption, value: string) => {
    if (given.has(option.kebab) && !isList(option))
      throw new CliUsageError(`Flag --${option.kebab} is given more than once.`);
    given.add(option.kebab);
    const target: Record<string, unknown> = GATE_NAMES.has(option.name) ? args.settings : args.github;
    const previous = target[option.name];
    target[option.name] =
      typeof previous === 'string' ? `${previous}${option.kind === 'lines' ? '\n' : ','}${value}` : value;
  };

  const tokens = tokensOf(argv);
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token.kind !== 'option' || (!token.rawName.startsWith('--') && token.rawName !== '-h'))
      throw new CliUsageError(
        `Unexpected argument '${argv[token.index]}'. Options are flags such as --driver local; see --help.`,
      );
    const { name, value } = token;
    if (name === 'help' || name === 'verbose' || name === 'no-color') {
      if (value !== undefined) throw new CliUsageError(`Flag --${name} takes no value.`);
      if (name === 'verbose') args.verbose = true;
      else if (name === 'no-color') args.color = false;
      else args.help = true;
      continue;
    }
    const negated = name.startsWith('no-') ? BY_FLAG.get(name.slice(3)) : undefined;
    if (negated?.kind === 'boolean') {
      if (value !== undefined) throw new CliUsageError(`Flag --${name} takes no value.`);
      set(negated, 'false');
      continue;
    }
    const option = BY_FLAG.get(ALIASES[name] ?? name);
    if (!option)
      throw new CliUsageError(`Unknown flag --${name}.${suggestion(name)} See --help for every flag.`);
    if (option.kind === 'boolean') {
      // `--build false` as well as `--build=false`: a word right after a bare boolean is its value.
      const next = tokens[index + 1];
      if (value === undefined && next?.kind === 'positional' && next.index === token.index + 1) {
        set(option, next.value);
        index++;
      } else set(option, value ?? 'true');
      continue;
    }
    if (value === undefined || (!token.inlineValue && value.startsWith('--') && value.length > 2))
      throw new CliUsageError(`Flag --${name} needs a value (${option.expected}).`);
    set(option, value);
  }
  return args;
}
