/**
 * Reading a service's environment once, at start, with zod: the pieces the API and the Ollama simulator
 * share (whole numbers within bounds, a log level, and turning the first problem into one sentence that
 * names the variable, the expected form and the value given).
 */
import { z } from 'zod';
import { LOG_LEVELS } from './json-logger.js';

/** A whole number between `min` and `max`, named in its error messages. */
export const wholeNumber = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

/** LOG_LEVEL: one of debug, info, warn, error, in any case; info when unset. */
export const logLevel = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }))
    .default('info');

/** A user mistake in the environment: the entry prints its message alone, without a stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validate the variables `names` of `env` against `schema`; values are trimmed, and empty ones count as
 * unset. The first problem is thrown as a `ConfigError` naming the variable and quoting
 * (at most 80 characters of) the value given.
 */
export function readEnvironment<Schema extends z.ZodType>(
  schema: Schema,
  names: readonly string[],
  env: NodeJS.ProcessEnv,
): z.output<Schema> {
  const relevant: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') relevant[name] = value.trim();
  }
  const parsed = schema.safeParse(relevant);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  const got = relevant[name];
  const shown = got === undefined ? '' : ` (got "${got.length > 80 ? `${got.slice(0, 80)}…` : got}")`;
  // Messages already name the variable; zod's own messages (rare) get the name prefixed.
  const message = issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`;
  throw new ConfigError(`${message}${shown}`);
}
