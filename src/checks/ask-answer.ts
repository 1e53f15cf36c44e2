/**
 * Reading what a stage answered to `/ask` and `/healthz`. Decisions read fields by the configured
 * paths (so a stage with another layout can be checked); the contract's zod schemas are used too, to
 * say how far an answer is from the reference contract. A response the gate cannot use gets a
 * `problem` in plain words: "answered HTML, not JSON", "no boolean at meta.compute.plan_cache_hit".
 */
import { AskResponseSchema, HealthzResponseSchema } from '../contract/index.js';
import {
  bodySnippet,
  describeExchange,
  describeJsonFailure,
  describeRequestFailure,
  type HttpExchange,
} from '../http/http-exchange.js';
import { inEnglish, localize, type Say } from '../report/language.js';
import type { CheckOptions } from './check-context.js';

/** Read `a.b.c` from parsed JSON; undefined when any step is missing. */
export function readPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export type AskField = 'answer' | 'cacheHit' | 'cacheKey' | 'overload';

export type AskFieldPaths = Pick<
  CheckOptions,
  'answerPath' | 'errorPath' | 'cacheHitPath' | 'cacheKeyPath' | 'overloadPath' | 'replicaHeader' | 'language'
>;

export interface AskAnswer {
  exchange: HttpExchange;
  status?: number;
  /** From the replica header, else the body's `meta.replica`. */
  replica?: string;
  answer?: string | null;
  error?: string;
  cacheHit?: boolean;
  cacheKey?: string;
  overload?: boolean;
  /** The reference contract's `meta.compute.cache_available`: false when the stage's cache was down. */
  cacheAvailable?: boolean;
  /** Why this response cannot be used for the check; undefined when it can. */
  problem?: string;
  /** First difference from the reference contract's AskResponseSchema, for evidence. */
  contractIssue?: string;
}

/** A response that is not JSON at all, described by what it is (HTML, empty, invalid JSON). */
function describeNonJson(exchange: HttpExchange, say: Say = inEnglish): string {
  const type = exchange.headers['content-type']?.split(';')[0]?.trim();
  const looksHtml = /^\s*<(!doctype|html|head|body)/i.test(exchange.body) || type === 'text/html';
  const what = looksHtml
    ? 'HTML'
    : exchange.jsonFailure
      ? describeJsonFailure(exchange.jsonFailure, say)
      : say('um corpo que não é JSON', 'a body that is not JSON');
  const snippet = bodySnippet(exchange, 60, say);
  return say(
    `HTTP ${exchange.status} respondeu ${what}, não JSON: "${snippet}"`,
    `HTTP ${exchange.status} answered ${what}, not JSON: "${snippet}"`,
  );
}

/** Why a request got no response, from its failure (or its text, for an exchange made elsewhere). */
function describeFailure(exchange: HttpExchange, say: Say): string {
  return exchange.failure ? describeRequestFailure(exchange.failure, say) : (exchange.error ?? '?');
}

function firstContractIssue(json: unknown): string | undefined {
  const parsed = AskResponseSchema.safeParse(json);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join('.') || '(root)'}: ${issue.message}`;
}

/**
 * Read one `/ask` exchange. `required` lists the fields the calling check needs; a missing one is a
 * problem unless the answer is a designed error (then only the error code matters).
 */
export function readAskAnswer(exchange: HttpExchange, paths: AskFieldPaths, required: AskField[]): AskAnswer {
  const say = localize(paths.language);
  const base: AskAnswer = { exchange, status: exchange.status };
  const headerReplica = exchange.headers[paths.replicaHeader];
  if (headerReplica) base.replica = headerReplica;
  if (exchange.error !== undefined || exchange.failure !== undefined)
    return { ...base, problem: describeFailure(exchange, say) };
  if (exchange.json === undefined) return { ...base, problem: describeNonJson(exchange, say) };
  const json = exchange.json;
  const snippet = bodySnippet(exchange, 60, say);
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return {
      ...base,
      problem: say(
        `HTTP ${exchange.status} respondeu um JSON que não é um objeto: "${snippet}"`,
        `HTTP ${exchange.status} answered JSON that is not an object: "${snippet}"`,
      ),
    };

  const answer: AskAnswer = { ...base, contractIssue: firstContractIssue(json) };
  const bodyReplica = readPath(json, 'meta.replica');
  if (!answer.replica && typeof bodyReplica === 'string') answer.replica = bodyReplica;
  const cacheAvailable = readPath(json, 'meta.compute.cache_available');
  if (typeof cacheAvailable === 'boolean') answer.cacheAvailable = cacheAvailable;
  const error = readPath(json, paths.errorPath);
  if (typeof error === 'string' && error !== '') answer.error = error;
  const text = readPath(json, paths.answerPath);
  if (typeof text === 'string' || text === null) answer.answer = text;
  const hit = readPath(json, paths.cacheHitPath);
  if (typeof hit === 'boolean') answer.cacheHit = hit;
  const key = readPath(json, paths.cacheKeyPath);
  if (typeof key === 'string' && key !== '') answer.cacheKey = key;
  const overload = readPath(json, paths.overloadPath);
  if (typeof overload === 'boolean') answer.overload = overload;

  const ok = exchange.status !== undefined && exchange.status < 300;
  if (!ok) {
    // An error answer is usable when it names its error; which errors are acceptable is the check's call.
    if (answer.error === undefined)
      answer.problem = say(
        `HTTP ${exchange.status} sem código de erro em ${paths.errorPath}: "${snippet}"`,
        `HTTP ${exchange.status} without an error code at ${paths.errorPath}: "${snippet}"`,
      );
    return answer;
  }
  const missing: string[] = [];
  if (required.includes('answer') && typeof answer.answer !== 'string' && answer.error === undefined)
    missing.push(
      say(`sem texto de resposta em ${paths.answerPath}`, `no answer text at ${paths.answerPath}`),
    );
  if (required.includes('cacheHit') && answer.cacheHit === undefined)
    missing.push(say(`sem booleano em ${paths.cacheHitPath}`, `no boolean at ${paths.cacheHitPath}`));
  if (required.includes('cacheKey') && answer.cacheKey === undefined)
    missing.push(say(`sem chave de cache em ${paths.cacheKeyPath}`, `no cache key at ${paths.cacheKeyPath}`));
  if (required.includes('overload') && answer.overload === undefined && answer.error === undefined)
    missing.push(say(`sem booleano em ${paths.overloadPath}`, `no boolean at ${paths.overloadPath}`));
  if (missing.length > 0)
    answer.problem = say(
      `HTTP ${exchange.status} JSON ${missing.join(', ')}`,
      `HTTP ${exchange.status} JSON with ${missing.join(', ')}`,
    );
  return answer;
}

export interface HealthzReading {
  exchange: HttpExchange;
  ok: boolean;
  replica?: string;
  problem?: string;
}

/** Read one `/healthz` exchange: success, and which replica answered (header first, then body). */
export function readHealthz(
  exchange: HttpExchange,
  replicaHeader: string,
  say: Say = inEnglish,
): HealthzReading {
  const headerReplica = exchange.headers[replicaHeader];
  const parsed = HealthzResponseSchema.safeParse(exchange.json);
  const replica = headerReplica || (parsed.success ? parsed.data.replica : undefined);
  if (exchange.error !== undefined || exchange.failure !== undefined)
    return { exchange, ok: false, replica, problem: describeFailure(exchange, say) };
  if (exchange.status === undefined || exchange.status >= 300)
    return {
      exchange,
      ok: false,
      replica,
      problem: `${describeExchange(exchange, say)}: "${bodySnippet(exchange, 60, say)}"`,
    };
  return { exchange, ok: true, replica };
}

/** Group identical problems: `3× timed out after 5 s; 1× HTTP 502 ...`, most frequent first. */
export function summarizeProblems(problems: string[], limit = 3): string {
  const counts = new Map<string, number>();
  for (const problem of problems) counts.set(problem, (counts.get(problem) ?? 0) + 1);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, limit).map(([problem, count]) => `${count}× ${problem}`);
  if (sorted.length > limit) shown.push(`…`);
  return shown.join('; ');
}

/** The one `/ask` error that is a designed answer, not a failure: the narrator refusing under load. */
const DESIGNED_REFUSAL = 'llm_concurrency_limited';

/**
 * Why one `/ask` exchange counts as a failed ask over the run, or undefined when it is a usable answer:
 * no response, a non-2xx other than the designed overload refusal, a body that is not a JSON object, a
 * 200 that carries an error code or no answer text at all (an empty string included).
 */
export function askFailure(exchange: HttpExchange, paths: AskFieldPaths): string | undefined {
  const say = localize(paths.language);
  const read = readAskAnswer(exchange, paths, ['answer']);
  if (read.problem !== undefined) return read.problem;
  const ok = exchange.status !== undefined && exchange.status >= 200 && exchange.status < 300;
  if (read.error === DESIGNED_REFUSAL) return undefined;
  if (!ok)
    return say(`HTTP ${exchange.status} erro ${read.error}`, `HTTP ${exchange.status} error ${read.error}`);
  if (read.error !== undefined)
    return say(
      `HTTP ${exchange.status} com erro ${read.error} no corpo`,
      `HTTP ${exchange.status} with error ${read.error} in its body`,
    );
  if (typeof read.answer !== 'string' || read.answer.trim() === '')
    return say(
      `HTTP ${exchange.status} com resposta vazia em ${paths.answerPath}`,
      `HTTP ${exchange.status} with an empty answer at ${paths.answerPath}`,
    );
  return undefined;
}
