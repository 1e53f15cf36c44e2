/**
 * Durations as people read them in the report, the logs and the check sentences; the same in both
 * report languages (only the unit letters, which both share). Two styles, because a measured time and a
 * configured limit read differently: "took 1.2 s" versus "within 30 s".
 */

/** A measured duration: `850 ms`, `1.2 s`, `2 min 3 s`; `?` for a value that is not a duration. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/** A limit or a rounded time in seconds, whole seconds written as such: `5 s`, `0.8 s`, `90 s`. */
export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Whole milliseconds, for latencies: `1.234 ms` (pt-BR) / `1,234 ms` (en) would confuse, so no decimals;
 * `?` for a value that was not measured.
 */
export function formatMilliseconds(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '?' : `${Math.round(value)} ms`;
}
