/**
 * Every option of the gate, read and validated in one place: the schema is assembled from the rows
 * (options/option-rows.ts) plus the rules that tie options together. Values may arrive as typed values
 * (tests, programmatic use) or as the strings an action input or a CLI flag carries. Errors name the
 * option and the expected form, never a zod dump.
 */
import { z } from 'zod';
import { GATE_OPTION_ROWS, GITHUB_OPTION_ROWS } from './options/option-rows.js';
import type { OptionRow } from './options/row-kinds.js';

export type { FailPolicy, Mode } from './options/option-values.js';

type Rows = Record<string, OptionRow>;
type ShapeOf<R extends Rows> = { [K in keyof R]: R[K]['schema'] };

function shapeOf<R extends Rows>(rows: R): ShapeOf<R> {
  return Object.fromEntries(Object.entries(rows).map(([name, row]) => [name, row.schema])) as ShapeOf<R>;
}

export const GateSettingsSchema = z.strictObject(shapeOf(GATE_OPTION_ROWS)).superRefine((settings, ctx) => {
  if (settings.mode === 'publish' && !settings.reportFile)
    ctx.addIssue({
      code: 'custom',
      path: ['reportFile'],
      message: 'required when mode is publish (the JSON report an earlier gate run wrote)',
    });
  if (settings.driver === 'external' && !settings.baseUrl)
    ctx.addIssue({
      code: 'custom',
      path: ['baseUrl'],
      message:
        'required when driver is external (the URL of the stage gateway, e.g. https://stage.example.com)',
    });
  if (settings.globalDeadlineSeconds <= settings.bootTimeoutSeconds)
    ctx.addIssue({
      code: 'custom',
      path: ['globalDeadlineSeconds'],
      message: `must be greater than boot-timeout-seconds (${settings.bootTimeoutSeconds}), so the checks get time after the boot`,
    });
  for (const service of [settings.apiService, settings.gatewayService])
    if (settings.services.length > 0 && !settings.services.includes(service))
      ctx.addIssue({
        code: 'custom',
        path: ['services'],
        message: `must include the ${service === settings.apiService ? 'api' : 'gateway'} service '${service}' when it names services to boot`,
      });
  if (settings.clientA === settings.clientB)
    ctx.addIssue({ code: 'custom', path: ['clientB'], message: 'must differ from client-a' });
  if (settings.capacityPublicShare + settings.capacityPrivateShare + settings.capacityNarratedShare === 0)
    ctx.addIssue({
      code: 'custom',
      path: ['capacityNarratedShare'],
      message:
        'the question mix is empty: give capacity-public-share, capacity-private-share or capacity-narrated-share a weight above 0',
    });
});

export type GateSettings = z.output<typeof GateSettingsSchema>;
/** What a caller may pass: every option optional, as typed values or as input strings. */
export type GateSettingsInput = Partial<Record<keyof GateSettings, unknown>>;
export type GateOptionName = keyof GateSettings;

/** Where the report goes on GitHub (the action's github-token, pr-comment and comment-key). */
export const GitHubOptionsSchema = z.strictObject(shapeOf(GITHUB_OPTION_ROWS));
export type GitHubOptions = z.output<typeof GitHubOptionsSchema>;
export type GitHubOptionName = keyof GitHubOptions;

// ---------------------------------------------------------------------------------------------------

export const kebabOf = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** A row with its names: how documents, the CLI and error messages see an option. */
export type DescribedOption<Name extends string = string> = OptionRow & {
  /** camelCase key of the settings. */
  name: Name;
  /** Action input name and CLI flag (without `--`). */
  kebab: string;
};

function describeRows<R extends Rows>(rows: R): Array<DescribedOption<Extract<keyof R, string>>> {
  return Object.entries(rows).map(([name, row]) => ({
    ...row,
    name: name as Extract<keyof R, string>,
    kebab: kebabOf(name),
  }));
}

/** Every gate option, in the order they are documented. */
export const GATE_OPTIONS: ReadonlyArray<DescribedOption<GateOptionName>> = describeRows(GATE_OPTION_ROWS);
/** The GitHub-side options, after the gate's in every document. */
export const GITHUB_OPTIONS: ReadonlyArray<DescribedOption<GitHubOptionName>> =
  describeRows(GITHUB_OPTION_ROWS);
export type GateOption = DescribedOption<GateOptionName>;

/** A mistake in the gate's options, worded for the user. Kept apart from bugs by its type. */
export class SettingsError extends Error {
  constructor(
    message: string,
    /** Kebab-case name of the option at fault, when there is one. */
    readonly option?: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return '';
  const shown = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/\r?\n/g, '\\n');
  return ` '${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}'`;
}

/**
 * Validates `input` against a schema made from rows; on a mistake, a SettingsError that names the
 * first bad option and its expected form. A value too long is not quoted (its length is said) and a
 * secret one never is.
 */
function parseOptions<T>(
  schema: z.ZodType<T>,
  options: readonly DescribedOption[],
  input: Record<string, unknown>,
): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `'${kebabOf(key)}'`).join(', ');
    throw new SettingsError(
      `Unknown option ${keys}. Valid options: ${options.map((o) => o.kebab).join(', ')}.`,
    );
  }
  const meta = options.find((option) => option.name === issue.path[0]);
  if (!meta) throw new SettingsError(`Invalid options: ${issue.message}`);
  const raw = input[meta.name];
  const tooLong = issue.code === 'too_big' && issue.origin === 'string' && typeof raw === 'string';
  const shown = meta.secret || tooLong ? '' : describeValue(raw);
  const detail = issue.code === 'custom' ? issue.message : `expected ${meta.expected}`;
  const length = tooLong ? ` (got ${raw.trim().length} characters)` : '';
  throw new SettingsError(`Invalid ${meta.kebab}${shown}: ${detail}${length}.`, meta.kebab);
}

/** Validate and default every option. Throws a SettingsError naming the first bad option. */
export function parseGateSettings(input: GateSettingsInput = {}): GateSettings {
  return parseOptions(GateSettingsSchema, GATE_OPTIONS, input);
}

/** Validate the GitHub-side options; blank ones take their defaults. */
export function parseGitHubOptions(input: Partial<Record<GitHubOptionName, unknown>> = {}): GitHubOptions {
  return parseOptions(GitHubOptionsSchema, GITHUB_OPTIONS, input);
}
