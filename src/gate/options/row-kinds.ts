/**
 * The kinds of option row, each a small builder that turns the values a row gives (bounds, default,
 * pattern) into the three things every surface needs: the zod schema that validates it, the default as
 * a user writes it, and the expected form that errors, action.yml, `--help` and docs/inputs.md show. Both
 * texts are made from the very values the schema uses, so neither can drift from it.
 */
import { z } from 'zod';
import { ASK_LIMITS } from '../../contract/index.js';
import { toBoolean, toIdList, toLineList, toNumber, toText } from './coerce.js';

/** How a value is written: the CLI takes `--flag <n>`, a bare boolean, or a repeatable list. */
export type OptionKind = 'string' | 'number' | 'boolean' | 'list' | 'lines' | 'enum';

/** Where an option can be given: an input of the action, a flag of the CLI. */
export type Surface = 'action' | 'cli';

/** What a user reads about a row, besides what its kind derives. */
export interface RowWords {
  description: string;
  /** The action's own words and default, where they differ (action.yml and the table in docs/inputs.md). */
  action?: { description?: string; default?: string };
  /** The CLI's own words, where they differ (`--help`). */
  cli?: { description?: string };
  /** Where the option exists; every gate option is both an input and a flag. */
  surfaces?: readonly Surface[];
  /** A token: its value is never quoted in a message. */
  secret?: boolean;
}

/** A validated value: what the schema gives back, from a typed value or an input's string. */
type Schema<T> = z.ZodType<T, unknown>;

export interface OptionRow<T = unknown> extends RowWords {
  kind: OptionKind;
  schema: Schema<T>;
  /** The default as a user writes it (as action.yml holds it); '' when there is none. */
  defaultText: string;
  /** The expected form, e.g. `a whole number from 1 to 20`. */
  expected: string;
  surfaces: readonly Surface[];
}

const EVERYWHERE: readonly Surface[] = ['action', 'cli'];

function row<T>(
  kind: OptionKind,
  schema: Schema<T>,
  defaultText: string,
  expected: string,
  words: RowWords,
): OptionRow<T> {
  return { ...words, kind, schema, defaultText, expected, surfaces: words.surfaces ?? EVERYWHERE };
}

/** The largest pull request number GitHub's API takes: a bound no user reaches is not worth saying. */
const INT32_MAX = 2_147_483_647;
const range = (min: number, max: number) => (max >= INT32_MAX ? `from ${min}` : `from ${min} to ${max}`);

interface NumberBounds {
  min: number;
  max: number;
  /** What the number counts, e.g. `seconds`. */
  unit?: string;
  /** A rule the bounds do not say, e.g. `above boot-timeout-seconds`. */
  note?: string;
}

const wholeNumberText = ({ min, max, unit, note }: NumberBounds) =>
  `a whole number${unit ? ` of ${unit}` : ''} ${range(min, max)}${note ? `, ${note}` : ''}`;

export function wholeNumber(spec: RowWords & NumberBounds & { default: number }): OptionRow<number> {
  const schema = z.preprocess(toNumber, z.number().int().min(spec.min).max(spec.max).default(spec.default));
  return row('number', schema, String(spec.default), wholeNumberText(spec), spec);
}

export function optionalWholeNumber(spec: RowWords & NumberBounds): OptionRow<number | undefined> {
  const schema = z.preprocess(toNumber, z.number().int().min(spec.min).max(spec.max).optional());
  return row('number', schema, '', wholeNumberText(spec), spec);
}

/** A number that may have decimals, e.g. a factor. */
export function decimal(spec: RowWords & { min: number; max: number; default: number }): OptionRow<number> {
  const schema = z.preprocess(toNumber, z.number().min(spec.min).max(spec.max).default(spec.default));
  return row('number', schema, String(spec.default), `a number ${range(spec.min, spec.max)}`, spec);
}

export function flag(spec: RowWords & { default: boolean }): OptionRow<boolean> {
  const schema = z.preprocess(toBoolean, z.boolean().default(spec.default));
  return row('boolean', schema, String(spec.default), 'true or false', spec);
}

export function choice<const T extends readonly [string, ...string[]]>(
  spec: RowWords & { values: T; default: T[number] },
): OptionRow<T[number]> {
  const schema = z.preprocess(toText, z.enum(spec.values).default(spec.default as never));
  return row('enum', schema as Schema<T[number]>, spec.default, `one of ${spec.values.join(', ')}`, spec);
}

interface TextForm {
  /** The expected form, in words (`a service name`). */
  expected: string;
  maxChars: number;
  pattern?: RegExp;
}

const textSchema = ({ maxChars, pattern }: TextForm) => {
  const schema = z.string().min(1).max(maxChars);
  return pattern ? schema.regex(pattern) : schema;
};

/** A string with a default; `normalize` rewrites a valid value (e.g. a header name to lowercase). */
export function text(
  spec: RowWords & TextForm & { default: string; normalize?: (value: string) => string },
): OptionRow<string> {
  const normalize = spec.normalize ?? ((value: string) => value);
  const schema = z.preprocess(toText, textSchema(spec).default(spec.default).transform(normalize));
  return row('string', schema, spec.default, spec.expected, spec);
}

/** A string with no default: blank means "not set". Without `expected`, the form is its length. */
export function optionalText(
  spec: RowWords & Omit<TextForm, 'expected' | 'maxChars'> & { expected?: string; maxChars?: number },
): OptionRow<string | undefined> {
  const maxChars = spec.maxChars ?? 4096;
  const expected = spec.expected ?? `at most ${maxChars} characters`;
  const schema = z.preprocess(toText, textSchema({ ...spec, expected, maxChars }).optional());
  return row('string', schema, '', expected, spec);
}

export function optionalUrl(spec: RowWords): OptionRow<string | undefined> {
  const schema = z.preprocess(toText, z.url({ protocol: /^https?$/ }).optional());
  return row('string', schema, '', 'an http(s) URL', spec);
}

/** Names or ids, comma- (or newline-) separated; `[]` may be the default. */
export function nameList(
  spec: RowWords & { expected: string; pattern: RegExp; maxItems: number; default: readonly string[] },
): OptionRow<string[]> {
  const item = z.string().regex(spec.pattern);
  const schema = z.preprocess(
    toIdList,
    z
      .array(item)
      .max(spec.maxItems)
      .default([...spec.default]),
  );
  return row('list', schema, spec.default.join(','), spec.expected, spec);
}

const QUESTION_MAX = ASK_LIMITS.questionMaxChars;
const questionSchema = () => z.string().min(1).max(QUESTION_MAX, `at most ${QUESTION_MAX} characters`);

/** One question the gate asks the stage: it must fit the contract's limit. */
export function question(spec: RowWords & { default: string }): OptionRow<string> {
  const schema = z.preprocess(toText, questionSchema().default(spec.default));
  return row('string', schema, spec.default, `a question of at most ${QUESTION_MAX} characters`, spec);
}

/** Distinct questions, one per line (they may contain commas). */
export function questionLines(
  spec: RowWords & { default: readonly string[]; minItems: number; maxItems: number },
): OptionRow<string[]> {
  const schema = z.preprocess(
    toLineList,
    z
      .array(questionSchema())
      .min(spec.minItems)
      .max(spec.maxItems)
      .default([...spec.default])
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        for (const item of list) {
          const key = item.toLowerCase();
          if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `duplicate question '${item}'` });
          seen.add(key);
        }
      }),
  );
  const expected = `at least ${spec.minItems} distinct questions, one per line`;
  return row('lines', schema, spec.default.join('\n'), expected, spec);
}

/**
 * A selection among known ids, comma-separated, where `all` (the default) means every one. The result
 * is in the ids' own order without duplicates, whatever order the user wrote them in.
 */
export function idSelection<const T extends readonly [string, ...string[]]>(
  spec: RowWords & { ids: T; noun: string },
): OptionRow<Array<T[number]>> {
  const known: readonly string[] = spec.ids;
  const schema = z.preprocess(
    (value) => {
      const list = toIdList(value);
      return Array.isArray(list) && list.length === 1 && list[0] === 'all' ? undefined : list;
    },
    z
      .array(z.string())
      .min(1)
      .default([...known])
      .superRefine((ids, ctx) => {
        const unknown = ids.filter((id) => !known.includes(id));
        if (unknown.length > 0)
          ctx.addIssue({
            code: 'custom',
            message: `unknown ${spec.noun} ${unknown.map((id) => `'${id}'`).join(', ')}; valid ${spec.noun}s: ${known.join(', ')} (or 'all')`,
          });
      })
      .transform((ids) => spec.ids.filter((id) => ids.includes(id))),
  );
  const expected = `${spec.noun} ids, comma-separated: ${known.join(', ')} (or all)`;
  return row('list', schema, 'all', expected, spec);
}

/** An input the action passes on as it is (a token): any string, blank when not given. */
export function passthrough(spec: RowWords & { expected: string }): OptionRow<string> {
  const schema = z.preprocess((value) => value ?? '', z.string());
  return row('string', schema, '', spec.expected, spec);
}
