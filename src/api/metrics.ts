/**
 * Prometheus metrics of one replica (prom-client), named in the shared contract. Every series carries
 * the `replica` label through the registry's default labels, so sums over replicas are possible both in
 * Prometheus and over direct scrapes. Labelled counters start at zero so their series exist at once.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { METRICS, NARRATOR_OUTCOMES, REPLICA_LABEL, ROUTES } from '../contract/index.js';

export const PLAN_CACHE_RESULTS = ['hit', 'miss', 'bypass'] as const;
export type PlanCacheResult = (typeof PLAN_CACHE_RESULTS)[number];
export const SINGLE_FLIGHT_ROLES = ['leader', 'follower', 'takeover'] as const;
export type SingleFlightRole = (typeof SINGLE_FLIGHT_ROLES)[number];

const KNOWN_ROUTES = new Set<string>(Object.values(ROUTES));

export class ApiMetrics {
  readonly registry = new Registry();
  readonly narratorRequests: Counter<'outcome'>;
  readonly heavyExecutions: Counter;
  readonly planCacheRequests: Counter<'result'>;
  readonly singleFlight: Counter<'role'>;
  readonly narratorInFlight: Gauge;
  readonly httpRequestDuration: Histogram<'route' | 'method' | 'status'>;

  constructor(replicaId: string) {
    this.registry.setDefaultLabels({ [REPLICA_LABEL]: replicaId });
    const registers = [this.registry];
    this.narratorRequests = new Counter({
      name: METRICS.narratorLlmRequests,
      help: 'LLM calls attempted or refused by the narrator, by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of NARRATOR_OUTCOMES)
      if (outcome !== 'skipped') this.narratorRequests.inc({ outcome }, 0);
    this.heavyExecutions = new Counter({
      name: METRICS.heavyExecutions,
      help: 'Heavy plan executions (SQL + LLM) run on this replica.',
      registers,
    });
    this.planCacheRequests = new Counter({
      name: METRICS.planCacheRequests,
      help: 'Plan cache lookups of /ask requests: hit, miss, or bypass when Redis was unavailable.',
      labelNames: ['result'],
      registers,
    });
    for (const result of PLAN_CACHE_RESULTS) this.planCacheRequests.inc({ result }, 0);
    this.singleFlight = new Counter({
      name: METRICS.singleFlight,
      help: 'Single-flight roles taken by /ask requests (takeover: led after a previous leader vanished).',
      labelNames: ['role'],
      registers,
    });
    for (const role of SINGLE_FLIGHT_ROLES) this.singleFlight.inc({ role }, 0);
    this.narratorInFlight = new Gauge({
      name: METRICS.narratorInFlight,
      help: 'LLM calls in flight on this replica.',
      registers,
    });
    this.httpRequestDuration = new Histogram({
      name: METRICS.httpRequestDuration,
      help: 'HTTP request duration in seconds.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  observeHttp(path: string, method: string, status: number, seconds: number): void {
    // Unknown paths share one label value, so a scan of random URLs cannot explode the series count.
    const route = KNOWN_ROUTES.has(path) ? path : 'other';
    this.httpRequestDuration.observe({ route, method, status: String(status) }, seconds);
  }
}
