/**
 * Parses `docker compose logs --no-color --timestamps` output. Compose prefixes each line with the
 * container it came from and a padded `|` (`stagegate-api-2  | ` or, in some releases, `api-2  | `),
 * then the Docker timestamp (RFC 3339, nanoseconds, trailing zeros trimmed). Lines of several replicas
 * arrive interleaved as compose reads them; the timestamps put them back in order. Terminal escapes
 * that some compose releases print anyway (`ESC[2K` before every line) are removed first.
 */
import { stripTerminalEscapes } from './terminal-escapes.js';

export interface ComposeLogLine {
  /** The container, as compose's prefix names it, e.g. `stagegate-api-2`. */
  instance: string;
  /** Docker's timestamp of the line, when printed. */
  timestamp?: string;
  /** The line exactly as the service wrote it. */
  text: string;
}

const PREFIXED = /^([A-Za-z0-9][A-Za-z0-9_.-]*)\s*\|(?: |$)(.*)$/;
const TIMESTAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))(?: |$)(.*)$/;

/** Every line of the output, in output order. A line without a prefix continues the previous one's container. */
export function parseComposeLogs(stdout: string): ComposeLogLine[] {
  const lines: ComposeLogLine[] = [];
  let instance = '';
  for (const raw of stdout.split('\n')) {
    const line = stripTerminalEscapes(raw.replace(/\r$/, ''));
    if (line === '') continue;
    const prefixed = PREFIXED.exec(line);
    let rest = line;
    if (prefixed) {
      instance = prefixed[1]!;
      rest = prefixed[2]!;
    }
    const stamped = TIMESTAMPED.exec(rest);
    lines.push(stamped ? { instance, timestamp: stamped[1]!, text: stamped[2]! } : { instance, text: rest });
  }
  return lines;
}

/**
 * A sort key for Docker timestamps: the fraction padded to nine digits, so that `…:05.1Z` sorts
 * after `…:05.09Z` (as strings it would not). Non-UTC stamps go through Date.parse (milliseconds).
 */
export function timestampSortKey(timestamp: string): string {
  const utc = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(timestamp);
  if (utc) return `${utc[1]}.${(utc[2] ?? '').padEnd(9, '0').slice(0, 9)}`;
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return '';
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(ms % 1000).padStart(3, '0')}000000`;
}

/**
 * Oldest first across all containers, keeping the newest `maxLines`. A line without a timestamp keeps
 * the time of the line before it from the same container; ties keep output order.
 */
export function newestLines(lines: ComposeLogLine[], maxLines: number): ComposeLogLine[] {
  if (maxLines <= 0) return [];
  const lastKey = new Map<string, string>();
  const keyed = lines.map((line, index) => {
    const key = line.timestamp ? timestampSortKey(line.timestamp) : (lastKey.get(line.instance) ?? '');
    lastKey.set(line.instance, key);
    return { line, key, index };
  });
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  return keyed.slice(-maxLines).map((entry) => entry.line);
}
