/**
 * Checks write their one-line reasons and evidence titles in the report's language. Each sentence is
 * written in both languages where it is used, so the logic and its wording stay side by side.
 */
export { localize, type Language, type Say } from '../report/language.js';

/** `1.234 ms` (pt-BR) / `1,234 ms` (en) would confuse; milliseconds are shown as whole numbers. */
export function ms(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '?' : `${Math.round(value)} ms`;
}

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
