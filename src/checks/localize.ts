/**
 * Checks write their one-line reasons and evidence titles in the report's language. Each sentence is
 * written in both languages where it is used, so the logic and its wording stay side by side.
 */
export { localize, type Language, type Say } from '../report/language.js';
export { formatMilliseconds as ms } from '../kit/duration.js';

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
