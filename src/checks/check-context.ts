/**
 * What every check gets, and what it gives back. A check sees the stage only through the driver
 * interface and HTTP, so it works the same on compose, local and external stages; of the gate's options
 * it sees only the few it reads (CheckOptions), so the checks do not depend on how the gate is set up.
 */
import type { BurstRequest, BurstResult } from '../http/burst.js';
import type { GateHttpClient } from '../http/gate-http-client.js';
import type { GateLogger } from '../kit/gate-logger.js';
import type { Language } from '../report/language.js';
import type { CheckMeasures, CheckResult, CheckStatus, Evidence } from '../report/model.js';
import type { BootResult, StageDriver } from '../stage/driver.js';

/** The options the checks read, by check; the gate fills them from its settings. */
export interface CheckOptions {
  /** Every check: the language of its reasons and evidence. */
  language: Language;
  /** stage-up, load-balancing, narrator-saturation: the api replicas the stage was booted with. */
  replicas: number;
  /** stage-up, load-balancing: the service names of the api replicas and of the gateway. */
  apiService: string;
  gatewayService: string;
  /** stage-up: services that must be running besides the api and the gateway. */
  requiredServices: string[];
  /** load-balancing: how many `GET /healthz`, how many at a time. */
  healthzRequests: number;
  concurrency: number;
  /** Every check that reads an answer: the header naming the replica that answered. */
  replicaHeader: string;
  /** Where an /ask answer holds its fields (a stage with another layout can be checked). */
  answerPath: string;
  errorPath: string;
  cacheHitPath: string;
  cacheKeyPath: string;
  overloadPath: string;
  /** plan-cache-single-flight: the question asked N times at once, and the bounds on its latency. */
  publicQuestion: string;
  singleFlightBurst: number;
  heavyExecutionsMetric: string;
  latencyBudgetFactor: number;
  latencyBudgetMs: number;
  /** private-isolation: the question and the two clients (`{run}` in an id is this run's token). */
  privateQuestion: string;
  clientA: string;
  clientB: string;
  /** narrator-saturation: the burst of narrated questions, and what /healthz must keep up with. */
  llmQuestions: string[];
  narratorBurst: number;
  narratorRequestsMetric: string;
  narratorMaxConcurrency: number;
  healthzLatencyBudgetMs: number;
  requestTimeoutSeconds: number;
}

export interface CheckContext {
  options: CheckOptions;
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
  /** Why metric evidence the check relies on was missing (src/checks/metric-evidence.ts), if it was. */
  metricEvidenceMissing?: string;
}

/** The measures that have a value, rounded to whole units (the JSON stays short and stable). */
export function measured(values: CheckMeasures): CheckMeasures {
  const out: CheckMeasures = {};
  for (const [id, value] of Object.entries(values) as Array<[keyof CheckMeasures, number | undefined]>)
    if (value !== undefined && Number.isFinite(value)) out[id] = Math.round(value);
  return out;
}
