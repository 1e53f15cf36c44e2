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
  /**
   * Optional. Gauge: the most LLM calls ever in flight at once on this replica since it started (a
   * high-watermark: the in-flight gauge, sampled between scrapes, misses short peaks).
   */
  narratorInFlightMax: 'services_narrator_llm_in_flight_max',
  /** Counter: SQL queries a plan execution ran (optional cross-check of the heavy-execution counter). */
  sqlExecutions: 'services_sql_executions_total',
} as const;

/**
 * Metrics a check cross-checks with when a stage exposes them; a stage without one gets the weaker
 * check, said in its evidence ("not cross-checked: <metric> not exposed"), never a silent pass.
 */
export const OPTIONAL_METRICS: readonly string[] = [METRICS.sqlExecutions, METRICS.narratorInFlightMax];

export const REPLICA_LABEL = 'replica';
