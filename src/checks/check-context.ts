/**
 * What every check gets, and what it gives back. A check sees the stage only through the driver
 * interface and HTTP, so it works the same on compose, local and external stages.
 */
import type { GateSettings } from '../gate/settings.js';
import type { GateLogger } from '../gate/logger.js';
import type { GateHttpClient } from '../http/gate-http-client.js';
import type { BurstRequest, BurstResult } from '../http/burst.js';
import type { CheckId, CheckMeasures, CheckResult, CheckStatus, Evidence } from '../report/model.js';
import type { BootResult, StageDriver } from '../stage/driver.js';

export interface CheckContext {
  settings: GateSettings;
  driver: StageDriver;
  http: GateHttpClient;
  /** Fires N requests at once over connections opened beforehand. */
  burst(requests: BurstRequest[]): Promise<BurstResult>;
  logger: GateLogger;
  /** Aborts when the run's global deadline is reached. */
  signal: AbortSignal;
  boot: BootResult;
  /** Short token unique to this run (letters and digits), for ids and fresh questions. */
  runToken: string;
}

export type Check = (context: CheckContext) => Promise<CheckResult>;

/** A check's verdict before the runner stamps its duration. */
export interface CheckOutcome {
  status: CheckStatus;
  reason: string;
  evidence: Evidence[];
  /** The numbers a later run is compared with; only those this run measured. */
  measures?: CheckMeasures;
}

export function toResult(id: CheckId, outcome: CheckOutcome, durationMs = 0): CheckResult {
  return {
    id,
    status: outcome.status,
    reason: outcome.reason,
    evidence: outcome.evidence,
    ...(outcome.measures ? { measures: outcome.measures } : {}),
    durationMs,
  };
}

/** Worst first: fail > warn > pass > skipped. */
const RANK: Record<CheckStatus, number> = { skipped: 0, pass: 1, warn: 2, fail: 3 };

/** The measures that have a value, rounded to whole units (the JSON stays short and stable). */
export function measured(values: CheckMeasures): CheckMeasures {
  const out: CheckMeasures = {};
  for (const [id, value] of Object.entries(values) as Array<[keyof CheckMeasures, number | undefined]>)
    if (value !== undefined && Number.isFinite(value)) out[id] = Math.round(value);
  return out;
}

export function worstStatus(statuses: CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>(
    (worst, status) => (RANK[status] > RANK[worst] ? status : worst),
    'skipped',
  );
}

export function isWorse(a: CheckStatus, b: CheckStatus): boolean {
  return RANK[a] > RANK[b];
}
