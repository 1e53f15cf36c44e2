/**
 * What the main step tells the post step: which stage it booted and whether it already tore it down.
 * Every state name is behind a named function here, as actions/checkout's state-helper does.
 */
import type { DriverChoice } from '../stage/create-driver.js';
import { DRIVER_KINDS } from '../stage/driver.js';
import type { StateStore } from '../github/ports.js';
import { STATE } from './constants.js';

export interface StageState {
  choice: DriverChoice;
  logDir: string | undefined;
  teardownTimeoutMs: number;
}

/** Saved before the boot, so a cancelled or crashed main step still leaves the post step enough to act. */
export function saveStageState(store: StateStore, state: StageState): void {
  // Functions (the driver's log callback) do not survive JSON; the post step wires its own.
  store.save(STATE.driverChoice, JSON.stringify(state.choice));
  store.save(STATE.logDir, state.logDir ?? '');
  store.save(STATE.teardownTimeoutMs, String(state.teardownTimeoutMs));
}

export function markTornDown(store: StateStore): void {
  store.save(STATE.tornDown, 'true');
}

export function wasTornDown(store: StateStore): boolean {
  return store.get(STATE.tornDown) === 'true';
}

const KINDS = new Set<string>(DRIVER_KINDS);

/** The stage the main step booted, or undefined when it booted nothing (or the state is unreadable). */
export function readStageState(store: StateStore): StageState | undefined {
  const raw = store.get(STATE.driverChoice);
  if (!raw) return undefined;
  let choice: unknown;
  try {
    choice = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (choice === null || typeof choice !== 'object' || !KINDS.has((choice as { kind?: string }).kind ?? ''))
    return undefined;
  const timeout = Number(store.get(STATE.teardownTimeoutMs));
  return {
    choice: choice as DriverChoice,
    logDir: store.get(STATE.logDir) || undefined,
    teardownTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 120_000,
  };
}
