/**
 * Answers one validated `/ask`: question → plan → cache key → single-flight (cache, lock, or execution)
 * → the contract's response with its evidence in `meta`. Knows nothing about HTTP beyond the status
 * and headers it recommends.
 */
import { LLM_LIMITED_STATUS, type AskRequest, type AskResponse, type ErrorCode } from '../contract/index.js';
import type { LogFields } from '../kit/json-logger.js';
import type { PlanExecutor } from './plan-executor.js';
import { QuestionPlans } from './question-plans.js';
import type { SingleFlight } from './single-flight.js';
import { withSpan } from './tracing.js';

export interface AskReply {
  status: number;
  headers: Record<string, string>;
  body: AskResponse;
  /** Added to the request's log line. */
  logFields: LogFields;
}

export interface AskServiceDeps {
  replicaId: string;
  singleFlight: SingleFlight;
  executor: PlanExecutor;
  /** FAULT INJECTION ONLY: see `shared-cache-keys`. */
  sharePrivateCacheKeys: boolean;
}

/** What a client can do about each failure: status, and when worth retrying, after how many seconds. */
const ERROR_STATUS: Partial<Record<ErrorCode, { status: number; retryAfterS?: number }>> = {
  llm_concurrency_limited: { status: LLM_LIMITED_STATUS, retryAfterS: 2 },
  llm_unavailable: { status: 503, retryAfterS: 5 },
  llm_timeout: { status: 504 },
  single_flight_timeout: { status: 503, retryAfterS: 1 },
  internal_error: { status: 500 },
};

/** Distinct question texts whose plan is remembered: at most about 2 MiB, with questions of 1,000 characters. */
const REMEMBERED_QUESTIONS = 1024;

export class AskService {
  private readonly plans: QuestionPlans;

  constructor(private readonly deps: AskServiceDeps) {
    this.plans = new QuestionPlans({
      maxEntries: REMEMBERED_QUESTIONS,
      keyOptions: { sharePrivateKeys: deps.sharePrivateCacheKeys },
    });
  }

  async answer(request: AskRequest, requestId: string): Promise<AskReply> {
    const started = performance.now();
    const { plan, key } = this.plans.resolve(request.question, request.client_id);
    const clientId = plan.scope === 'private' ? request.client_id : undefined;
    // The replica's own copy answers without I/O, so without a span of its own: most cached asks end here.
    const outcome =
      this.deps.singleFlight.fromMemory(key) ??
      (await withSpan(
        'single-flight',
        { 'plan.intent': plan.intent, 'plan.scope': plan.scope, 'plan.cache_key': key },
        async (span) => {
          const result = await this.deps.singleFlight.run(key, () =>
            this.deps.executor.execute(plan, request.question, clientId),
          );
          span.setAttributes({ 'single_flight.role': result.role, 'plan.cache_hit': result.planCacheHit });
          return result;
        },
      ));
    const { result } = outcome;
    const ranExecution = outcome.role === 'leader' || outcome.role === 'uncached';
    const body: AskResponse = {
      answer: result.answer,
      ...(result.error ? { error: result.error } : {}),
      ...(result.message ? { message: result.message } : {}),
      meta: {
        replica: this.deps.replicaId,
        request_id: requestId,
        intent: plan.intent,
        entities: plan.entities,
        narrative_overload: result.narrative_overload,
        narrator: result.narrator,
        compute: {
          plan_cache_hit: outcome.planCacheHit,
          plan_cache_key: key,
          plan_scope: plan.scope,
          role: outcome.role,
          cache_available: outcome.cacheAvailable,
          cache_layer: outcome.cacheLayer,
          ...(result.executed_by ? { executed_by: result.executed_by } : {}),
          timings: {
            total_ms: Math.round(performance.now() - started),
            wait_ms: outcome.waitMs,
            sql_ms: ranExecution ? result.sql_ms : 0,
            llm_ms: ranExecution ? result.llm_ms : 0,
          },
        },
      },
    };
    const failure = result.error ? ERROR_STATUS[result.error] : undefined;
    const headers: Record<string, string> = {};
    if (failure?.retryAfterS !== undefined) headers['retry-after'] = String(failure.retryAfterS);
    return {
      status: failure?.status ?? (result.error ? 500 : 200),
      headers,
      body,
      logFields: {
        intent: plan.intent,
        role: outcome.role,
        plan_cache_hit: outcome.planCacheHit,
        cache_layer: outcome.cacheLayer,
        cache_available: outcome.cacheAvailable,
        narrator: result.narrator.outcome,
        ...(result.error ? { error: result.error } : {}),
      },
    };
  }
}
