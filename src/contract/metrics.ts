/**
 * Prometheus metric names the API exports and the gate reads. Every series also carries a
 * `replica` label, so a sum over replicas is `sum(metric)` in Prometheus or a sum over scrapes.
 */
export const METRICS = {
  /** Counter, label `outcome` ∈ NARRATOR_OUTCOMES minus `skipped`: one per LLM call attempted or refused. */
  narratorLlmRequests: 'services_narrator_llm_requests_total',
  /** Counter: heavy executions (SQL + LLM) run. Summed over replicas it counts "exactly one execution". */
  heavyExecutions: 'services_plan_heavy_executions_total',
  /** Counter, label `result` ∈ hit | miss | bypass (bypass: Redis unavailable). */
  planCacheRequests: 'services_plan_cache_requests_total',
  /** Counter, label `role` ∈ leader | follower | takeover. */
  singleFlight: 'services_single_flight_total',
  /** Gauge: LLM calls in flight on this replica. */
  narratorInFlight: 'services_narrator_llm_in_flight',
  /** Histogram, labels `route`, `method`, `status`. */
  httpRequestDuration: 'services_http_request_duration_seconds',
  /** Counter, label `result` ∈ hit | miss: lookups in a replica's in-process plan cache (its L1). */
  planMemoryCacheRequests: 'services_plan_memory_cache_requests_total',
  /** Counter, label `reason` ∈ capacity | expired: L1 entries dropped. */
  planMemoryCacheEvictions: 'services_plan_memory_cache_evictions_total',
  /** Gauge: estimated bytes the L1 holds (counted against PLAN_CACHE_MEMORY_MAX_BYTES). */
  planMemoryCacheBytes: 'services_plan_memory_cache_bytes',
  /** Gauge: entries the L1 holds. */
  planMemoryCacheEntries: 'services_plan_memory_cache_entries',
} as const;

export const REPLICA_LABEL = 'replica';

/**
 * Optional metrics: a stage without them is checked all the same. The checks cross-check with them when
 * a stage exposes them, and a stage without one gets the weaker check, said in its evidence ("not
 * cross-checked: <metric> not exposed"), never a silent pass; chat-capacity names what saturated first
 * from them (and says which one would make the bottleneck identifiable when a stage lacks it). The
 * reference API exports all but the gateway's (HAProxy's own exporter) and the two prom-client process
 * metrics (its defaults).
 */
export const OPTIONAL_METRICS = {
  /** Counter: SQL queries a plan execution ran (a cross-check of the heavy-execution counter). */
  sqlExecutions: 'services_sql_executions_total',
  /**
   * Gauge: the most LLM calls ever in flight at once on this replica since it started (a
   * high-watermark: the in-flight gauge, sampled between scrapes, misses short peaks).
   */
  narratorInFlightMax: 'services_narrator_llm_in_flight_max',
  /** Counter: seconds /ask requests spent waiting for a narrator permit (the semaphore). */
  narratorPermitWaitSeconds: 'services_narrator_permit_wait_seconds_total',
  /** Histogram, label `outcome` ∈ LLM_CALL_OUTCOMES: calls to the LLM backend, by how they ended. */
  llmRequestDuration: 'services_llm_request_duration_seconds',
  /** Histogram: Redis commands of the plan cache and single-flight, by their round trip. */
  redisCommandDuration: 'services_redis_command_duration_seconds',
  /** Counter: seconds single-flight followers spent waiting for a leader's result. */
  singleFlightWaitSeconds: 'services_single_flight_wait_seconds_total',
  /** Gauge (prom-client default): p99 of the replica's event-loop lag. */
  eventLoopLagP99: 'nodejs_eventloop_lag_p99_seconds',
  /** Counter (prom-client default): CPU seconds of the replica's process. */
  processCpuSeconds: 'process_cpu_seconds_total',
  /** Gauge (HAProxy's exporter): most requests ever queued in a backend, waiting for a server. */
  gatewayMaxQueue: 'haproxy_backend_max_queue',
} as const;

/** How an LLM call ended: `busy` is the backend's own 429/503 ("server busy"). */
export const LLM_CALL_OUTCOMES = ['ok', 'busy', 'error', 'timeout'] as const;
export type LlmCallOutcome = (typeof LLM_CALL_OUTCOMES)[number];
