/**
 * Prometheus metrics of one replica (prom-client), named in the shared contract. Every series carries
 * the `replica` label through the registry's default labels, so sums over replicas are possible both in
 * Prometheus and over direct scrapes. Labelled counters start at zero so their series exist at once.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  LLM_CALL_OUTCOMES,
  METRICS,
  NARRATOR_OUTCOMES,
  OPTIONAL_METRICS,
  REPLICA_LABEL,
  ROUTES,
} from '../contract/index.js';
import type { MemoryCacheObserver, MemoryEviction, MemoryLookup } from './memory-cache.js';

const PLAN_CACHE_RESULTS = ['hit', 'miss', 'bypass'] as const;
export type PlanCacheResult = (typeof PLAN_CACHE_RESULTS)[number];
const SINGLE_FLIGHT_ROLES = ['leader', 'follower', 'takeover'] as const;
export type SingleFlightRole = (typeof SINGLE_FLIGHT_ROLES)[number];
const MEMORY_LOOKUPS: readonly MemoryLookup[] = ['hit', 'miss'];
const MEMORY_EVICTIONS: readonly MemoryEviction[] = ['capacity', 'expired'];

const KNOWN_ROUTES = new Set<string>(Object.values(ROUTES));

export class ApiMetrics {
  readonly registry = new Registry();
  readonly narratorRequests: Counter<'outcome'>;
  readonly heavyExecutions: Counter;
  readonly sqlExecutions: Counter;
  readonly planCacheRequests: Counter<'result'>;
  readonly singleFlight: Counter<'role'>;
  readonly narratorInFlight: Gauge;
  readonly httpRequestDuration: Histogram<'route' | 'method' | 'status'>;
  readonly memoryCacheRequests: Counter<'result'>;
  readonly memoryCacheEvictions: Counter<'reason'>;
  readonly memoryCacheBytes: Gauge;
  readonly memoryCacheEntries: Gauge;
  readonly narratorPermitWait: Counter;
  readonly llmRequestDuration: Histogram<'outcome'>;
  readonly narratorInFlightMax: Gauge;
  readonly redisCommandDuration: Histogram;
  readonly singleFlightWait: Counter;
  /** LLM calls in flight now, and the most ever at once (the high-watermark's value). */
  private narratorInFlightNow = 0;
  private narratorInFlightPeak = 0;
  /** What the L1's size gauges read at scrape time; set by `trackMemoryCacheSize`. */
  private memoryCacheSize: () => { bytes: number; entries: number } = () => ({ bytes: 0, entries: 0 });

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
    this.sqlExecutions = new Counter({
      name: OPTIONAL_METRICS.sqlExecutions,
      help: 'SQL queries run by plan executions on this replica.',
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
    this.memoryCacheRequests = new Counter({
      name: METRICS.planMemoryCacheRequests,
      help: "Lookups in this replica's in-process plan cache (L1): hit, or miss (then Redis is asked).",
      labelNames: ['result'],
      registers,
    });
    for (const result of MEMORY_LOOKUPS) this.memoryCacheRequests.inc({ result }, 0);
    this.memoryCacheEvictions = new Counter({
      name: METRICS.planMemoryCacheEvictions,
      help: 'L1 entries dropped: capacity (the byte budget was full), expired (found past its lifetime).',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of MEMORY_EVICTIONS) this.memoryCacheEvictions.inc({ reason }, 0);
    const size = () => this.memoryCacheSize();
    this.memoryCacheBytes = new Gauge({
      name: METRICS.planMemoryCacheBytes,
      help: 'Estimated bytes held by the L1, counted against PLAN_CACHE_MEMORY_MAX_BYTES.',
      registers,
      collect() {
        this.set(size().bytes);
      },
    });
    this.memoryCacheEntries = new Gauge({
      name: METRICS.planMemoryCacheEntries,
      help: 'Entries held by the L1.',
      registers,
      collect() {
        this.set(size().entries);
      },
    });
    this.narratorPermitWait = new Counter({
      name: OPTIONAL_METRICS.narratorPermitWaitSeconds,
      help: 'Seconds narrations waited for a permit of the narrator limiter (granted or refused).',
      registers,
    });
    this.llmRequestDuration = new Histogram({
      name: OPTIONAL_METRICS.llmRequestDuration,
      help: 'Calls to the LLM backend by how they ended (busy: its own 429/503), in seconds.',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    for (const outcome of LLM_CALL_OUTCOMES) this.llmRequestDuration.zero({ outcome });
    this.narratorInFlightMax = new Gauge({
      name: OPTIONAL_METRICS.narratorInFlightMax,
      help: 'The most LLM calls in flight at once on this replica since it started.',
      registers,
    });
    this.narratorInFlightMax.set(0);
    this.redisCommandDuration = new Histogram({
      name: OPTIONAL_METRICS.redisCommandDuration,
      help: 'Round trip of each Redis command of the plan cache and single-flight, in seconds.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.singleFlightWait = new Counter({
      name: OPTIONAL_METRICS.singleFlightWaitSeconds,
      help: "Seconds single-flight followers spent waiting for a leader's result.",
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** One LLM call started (+1) or ended (-1): the in-flight gauge and its high-watermark follow. */
  narratorInFlightChanged(delta: 1 | -1): void {
    this.narratorInFlightNow += delta;
    this.narratorInFlight.set(this.narratorInFlightNow);
    if (this.narratorInFlightNow > this.narratorInFlightPeak) {
      this.narratorInFlightPeak = this.narratorInFlightNow;
      this.narratorInFlightMax.set(this.narratorInFlightPeak);
    }
  }

  /** Counts the L1's lookups and evictions; label children are bound once (this runs on every cached /ask). */
  memoryCacheObserver(): MemoryCacheObserver {
    const hit = this.memoryCacheRequests.labels('hit');
    const miss = this.memoryCacheRequests.labels('miss');
    const capacity = this.memoryCacheEvictions.labels('capacity');
    const expired = this.memoryCacheEvictions.labels('expired');
    return {
      lookup: (result) => (result === 'hit' ? hit : miss).inc(),
      evicted: (reason) => (reason === 'capacity' ? capacity : expired).inc(),
    };
  }

  trackMemoryCacheSize(read: () => { bytes: number; entries: number }): void {
    this.memoryCacheSize = read;
  }

  observeHttp(path: string, method: string, status: number, seconds: number): void {
    // Unknown paths share one label value, so a scan of random URLs cannot explode the series count.
    const route = KNOWN_ROUTES.has(path) ? path : 'other';
    this.httpRequestDuration.observe({ route, method, status: String(status) }, seconds);
  }
}
