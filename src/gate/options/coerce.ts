/**
 * From the strings an action input or a CLI flag carries to the values the schema checks: blank → the
 * default, "3" → 3, "true" → true, "a, b" → ['a', 'b']. Typed values (tests, programmatic use) pass
 * through untouched, so the schema still refuses a wrong type with the option's expected form.
 */

const isBlank = (value: unknown) => value === undefined || (typeof value === 'string' && value.trim() === '');

export function toNumber(value: unknown): unknown {
  if (isBlank(value)) return undefined;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return value;
}

export function toBoolean(value: unknown): unknown {
  if (isBlank(value)) return undefined;
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(normalized)) return true;
  if (['false', 'no', 'off', '0'].includes(normalized)) return false;
  return value;
}

function splitOn(separator: RegExp, value: unknown): unknown {
  if (isBlank(value)) return undefined;
  if (typeof value !== 'string') return value;
  return value
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Ids and names: comma- or newline-separated. */
export const toIdList = (value: unknown) => splitOn(/[,\n]/, value);

/** Questions may contain commas: one per line (a multi-line action input, or a repeated CLI flag). */
export const toLineList = (value: unknown) => splitOn(/\n/, value);

export function toText(value: unknown): unknown {
  if (isBlank(value)) return undefined;
  return typeof value === 'string' ? value.trim() : value;
}
