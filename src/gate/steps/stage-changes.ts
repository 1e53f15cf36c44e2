/**
 * What changed in the stage's services between the boot and the end of a check that did not pass: a
 * replica that died, a service that left or restarted, health that turned bad. A check sees the stage
 * over HTTP, where a crashed replica is only "connection closed without an answer"; the driver's view
 * names it (which replica, which service), so the report can say the cause.
 */
import type { Say } from '../../report/language.js';
import type { ServiceStatus, StageDriver } from '../../stage/driver.js';
import { settleWithin } from '../../kit/settle.js';

/** How long reading the services may take after a check (a stage that hangs must not hang the gate). */
export const STAGE_CHANGES_TIMEOUT_MS = 5000;

/** The services that changed since the boot, in words; undefined when none did. */
export function describeStageChanges(
  before: readonly ServiceStatus[],
  now: readonly ServiceStatus[],
  say: Say,
): string | undefined {
  const nowByName = new Map(now.map((row) => [row.name, row]));
  const beforeNames = new Set(before.map((row) => row.name));
  const changes: string[] = [];
  for (const row of before) {
    const current = nowByName.get(row.name);
    if (!current) changes.push(say(`${row.name} sumiu`, `${row.name} is gone`));
    else if (current.state !== row.state || current.health !== row.health)
      changes.push(`${row.name} ${row.state}/${row.health} → ${describe(current)}`);
  }
  for (const row of now)
    if (!beforeNames.has(row.name))
      changes.push(say(`${row.name} novo (${describe(row)})`, `${row.name} is new (${describe(row)})`));
  if (changes.length === 0) return undefined;
  return say(
    `o stage mudou desde o boot: ${changes.join('; ')}`,
    `the stage changed since the boot: ${changes.join('; ')}`,
  );
}

/** A service's state now, with the driver's own words when it has them (Docker: `Exited (137) …`). */
function describe(row: ServiceStatus): string {
  const detail = row.detail ? ` (${row.detail})` : '';
  return `${row.state}/${row.health}${detail}`;
}

/**
 * Reads the services now and says what changed since the boot; undefined when nothing did, when they
 * cannot be read within `timeoutMs`, or once `signal` (the run's deadline) has fired.
 */
export async function stageChangesSince(
  driver: StageDriver,
  before: readonly ServiceStatus[],
  say: Say,
  bounds: { signal: AbortSignal; timeoutMs: number },
): Promise<string | undefined> {
  // Whole milliseconds: AbortSignal.timeout refuses a fraction (what is left of a deadline often is).
  const timeoutMs = Math.floor(bounds.timeoutMs);
  if (bounds.signal.aborted || timeoutMs <= 0) return undefined;
  // The driver is asked to stop at either; the wait ends at either even if it does not.
  const stop = AbortSignal.any([bounds.signal, AbortSignal.timeout(timeoutMs)]);
  const now = await settleWithin(driver.services(stop), {
    signal: bounds.signal,
    limitMs: timeoutMs,
  });
  return now.kind === 'done' ? describeStageChanges(before, now.value, say) : undefined;
}
