/**
 * Command-line flags → the same raw option values an action input carries. Every gate option is a
 * `--kebab-case` flag (from GATE_OPTIONS); `--flag value` and `--flag=value` both work, a boolean may be
 * given bare (`--keep-stage`) or negated (`--no-build`), and list flags may be repeated
 * (`--llm-questions "A" --llm-questions "B"`). A mistake is a CliUsageError naming the flag.
 */
import { GATE_OPTIONS, type GateOption, type GateSettingsInput } from '../gate/settings.js';

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
  /** `--comment-key`: the sticky comment's key when publishing. */
  commentKey: string | undefined;
  settings: GateSettingsInput;
}

/** Flags of the CLI itself, not options of the gate. */
export const CLI_FLAGS = [
  { flag: 'help', description: 'Show this help and exit.' },
  { flag: 'verbose', description: 'Also print debug lines to stderr.' },
  { flag: 'no-color', description: 'Never colour the report (also NO_COLOR=1).' },
  { flag: 'json', description: 'Alias of --json-report: write the JSON report to this file.' },
  {
    flag: 'comment-key',
    description:
      "With --mode publish: tells this sticky comment apart from others (the action's comment-key). Default: GITHUB_JOB, else stagegate.",
  },
] as const;

const BY_FLAG = new Map<string, GateOption>(GATE_OPTIONS.map((option) => [option.kebab, option]));

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
  const candidates = [...BY_FLAG.keys(), ...CLI_FLAGS.map((entry) => entry.flag)];
  const best = candidates
    .map((candidate) => ({ candidate, score: distance(name, candidate) }))
    .sort((a, b) => a.score - b.score)[0];
  return best && best.score <= Math.max(2, Math.floor(name.length / 3))
    ? ` Did you mean --${best.candidate}?`
    : '';
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = {
    help: false,
    verbose: false,
    color: undefined,
    commentKey: undefined,
    settings: {},
  };
  const given = new Set<string>();
  const set = (option: GateOption, value: string) => {
    const list = option.kind === 'list' || option.kind === 'lines';
    if (given.has(option.kebab) && !list)
      throw new CliUsageError(`Flag --${option.kebab} is given more than once.`);
    given.add(option.kebab);
    const previous = args.settings[option.name];
    args.settings[option.name] =
      list && typeof previous === 'string'
        ? `${previous}${option.kind === 'lines' ? '\n' : ','}${value}`
        : value;
  };

  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (token === '-h' || token === '--help') {
      args.help = true;
      continue;
    }
    if (!token.startsWith('--') || token === '--')
      throw new CliUsageError(
        `Unexpected argument '${token}'. Options are flags such as --driver local; see --help.`,
      );
    const equals = token.indexOf('=');
    const name = token.slice(2, equals === -1 ? undefined : equals);
    const inline = equals === -1 ? undefined : token.slice(equals + 1);
    if (name === 'verbose' || name === 'no-color') {
      if (inline !== undefined) throw new CliUsageError(`Flag --${name} takes no value.`);
      if (name === 'verbose') args.verbose = true;
      else args.color = false;
      continue;
    }
    if (name === 'comment-key') {
      const value = inline ?? argv[++index];
      if (value === undefined || args.commentKey !== undefined)
        throw new CliUsageError(`Flag --${name} needs one value (at most 100 characters).`);
      if (value.length > 100) throw new CliUsageError(`Flag --${name}: at most 100 characters.`);
      args.commentKey = value;
      continue;
    }
    const negated = name.startsWith('no-') ? BY_FLAG.get(name.slice(3)) : undefined;
    if (negated && negated.kind === 'boolean' && !BY_FLAG.has(name)) {
      if (inline !== undefined) throw new CliUsageError(`Flag --${name} takes no value.`);
      set(negated, 'false');
      continue;
    }
    const option = BY_FLAG.get(name === 'json' ? 'json-report' : name);
    if (!option)
      throw new CliUsageError(`Unknown flag --${name}.${suggestion(name)} See --help for every flag.`);
    if (inline !== undefined) {
      set(option, inline);
      continue;
    }
    const next = argv[index + 1];
    if (option.kind === 'boolean' && (next === undefined || next.startsWith('--'))) {
      set(option, 'true');
      continue;
    }
    if (next === undefined || (next.startsWith('--') && next.length > 2))
      throw new CliUsageError(`Flag --${name} needs a value (${option.expected}).`);
    set(option, next);
    index++;
  }
  return args;
}
