/**
 * The HTTP contract of the chat API: what `POST /ask` takes and answers.
 * Defined once here and used by the API (to validate and to build answers) and by the gate's checks
 * (to parse what any stage answers). Nothing here knows how an answer is produced.
 */
import { z } from 'zod';

/** Limits chosen so a real chat message always fits and a hostile body is refused cheaply. */
export const ASK_LIMITS = {
  questionMaxChars: 1000,
  idMaxChars: 128,
  nicknameMaxChars: 64,
  /** Upper bound of a whole request body, checked before JSON parsing. */
  bodyMaxBytes: 16 * 1024,
} as const;

/** One character of an identifier: ids travel into cache keys and logs, so they keep to a safe alphabet. */
export const ID_CHAR = '[A-Za-z0-9._:@-]';

const identifier = (label: string) =>
  z
    .string({ error: `${label} must be a string` })
    .min(1, `${label} must not be empty`)
    .max(ASK_LIMITS.idMaxChars, `${label} must be at most ${ASK_LIMITS.idMaxChars} characters`)
    .regex(new RegExp(`^${ID_CHAR}+$`), `${label} may only contain letters, digits and . _ : @ -`);

export const AskRequestSchema = z.strictObject({
  question: z
    .string({ error: 'question must be a string' })
    .trim()
    .min(1, 'question must not be empty')
    .max(ASK_LIMITS.questionMaxChars, `question must be at most ${ASK_LIMITS.questionMaxChars} characters`),
  conversation_id: identifier('conversation_id'),
  client_id: identifier('client_id'),
  nickname: z
    .string({ error: 'nickname must be a string' })
    .trim()
    .min(1, 'nickname must not be empty')
    .max(ASK_LIMITS.nicknameMaxChars, `nickname must be at most ${ASK_LIMITS.nicknameMaxChars} characters`),
});
export type AskRequest = z.infer<typeof AskRequestSchema>;

/** Machine-readable reasons an answer could not be produced. */
export const ERROR_CODES = [
  'invalid_request',
  'unsupported_media_type',
  'payload_too_large',
  'not_found',
  'method_not_allowed',
  'llm_concurrency_limited',
  'llm_unavailable',
  'llm_timeout',
  'single_flight_timeout',
  'internal_error',
] as const;
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** How this request related to the plan cache and the cross-replica single-flight. */
export const COMPUTE_ROLES = [
  /** Found the result in the plan cache without waiting. */
  'cache',
  /** Won the lock and ran the heavy execution (SQL + LLM). */
  'leader',
  /** Waited for another request's heavy execution and took its cached result. */
  'follower',
  /** Ran the heavy execution without cache or lock (cache unavailable or disabled). */
  'uncached',
] as const;
export const ComputeRoleSchema = z.enum(COMPUTE_ROLES);
export type ComputeRole = z.infer<typeof ComputeRoleSchema>;

/**
 * Which cache layer answered: `memory` (the replica's own in-process copy, its L1), `redis` (the plan
 * cache shared by every replica), or `none` (this request executed, or took another request's execution).
 */
export const CACHE_LAYERS = ['memory', 'redis', 'none'] as const;
export const CacheLayerSchema = z.enum(CACHE_LAYERS);
export type CacheLayer = z.infer<typeof CacheLayerSchema>;

export const NARRATOR_OUTCOMES = ['ok', 'overload', 'error', 'timeout', 'skipped'] as const;
export const NarratorOutcomeSchema = z.enum(NARRATOR_OUTCOMES);
export type NarratorOutcome = z.infer<typeof NarratorOutcomeSchema>;

export const TimingsSchema = z.object({
  total_ms: z.number().nonnegative(),
  /** Time spent waiting for another request's execution (followers), or for the cache. */
  wait_ms: z.number().nonnegative(),
  sql_ms: z.number().nonnegative(),
  llm_ms: z.number().nonnegative(),
});
export type Timings = z.infer<typeof TimingsSchema>;

export const ComputeMetaSchema = z.object({
  plan_cache_hit: z.boolean(),
  plan_cache_key: z.string().min(1),
  /** `private` plans are keyed per client and never shared. */
  plan_scope: z.enum(['public', 'private']),
  role: ComputeRoleSchema,
  /** False when Redis was unreachable: the answer was computed without cache or single-flight. */
  cache_available: z.boolean(),
  /** Replica that ran the heavy execution whose result this answer carries. */
  executed_by: z.string().optional(),
  /** Optional: a stage need not have layers; the gate's checks do not depend on it. */
  cache_layer: CacheLayerSchema.optional(),
  timings: TimingsSchema,
});
export type ComputeMeta = z.infer<typeof ComputeMetaSchema>;

export const AskMetaSchema = z.object({
  replica: z.string().min(1),
  request_id: z.string().min(1),
  intent: z.string().min(1),
  entities: z.array(z.string()),
  narrative_overload: z.boolean(),
  narrator: z.object({
    outcome: NarratorOutcomeSchema,
    source: z.enum(['llm', 'template', 'none']),
    model: z.string().optional(),
  }),
  compute: ComputeMetaSchema,
});
export type AskMeta = z.infer<typeof AskMetaSchema>;

/**
 * Every `/ask` answer that went past validation: `answer` holds the text, or is null with `error` set
 * when it could not be produced (HTTP 503 with Retry-After for `llm_concurrency_limited`).
 */
export const AskResponseSchema = z.object({
  answer: z.string().nullable(),
  error: ErrorCodeSchema.optional(),
  message: z.string().optional(),
  meta: AskMetaSchema,
});
export type AskResponse = z.infer<typeof AskResponseSchema>;

/** Body of a request refused before it reached the planner (4xx), or of an unexpected failure (5xx). */
export const ErrorBodySchema = z.object({
  error: ErrorCodeSchema,
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  replica: z.string().optional(),
  request_id: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const HealthzResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  replica: z.string().min(1),
  uptime_s: z.number().nonnegative(),
  /** Dependencies as this replica sees them; healthz never calls the LLM. */
  redis: z.enum(['up', 'down']),
});
export type HealthzResponse = z.infer<typeof HealthzResponseSchema>;
