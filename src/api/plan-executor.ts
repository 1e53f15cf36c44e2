/**
 * The heavy execution of one plan: SQL against the embedded database, then the narrator. Its result is
 * what the plan cache stores and what single-flight shares. It never throws: a failure becomes an
 * `internal_error` result that is shared with current waiters but not cached.
 */
import type { ErrorCode, NarratorOutcome } from '../contract/index.js';
import { renderAnswer, type PlanData } from './answer-template.js';
import type { Logger } from '../kit/json-logger.js';
import type { NarrationResult, Narrator } from './narrator.js';
import { requiresLlm, type Plan } from './planner.js';
import type { FiiRepository } from './sql/fii-repository.js';
import { withSpan } from './tracing.js';

/** JSON-serialisable: stored in Redis and published to followers as is. */
export interface PlanExecution {
  answer: string | null;
  error?: ErrorCode;
  message?: string;
  narrator: { outcome: NarratorOutcome; source: 'llm' | 'template' | 'none'; model?: string };
  narrative_overload: boolean;
  sql_ms: number;
  llm_ms: number;
  /** Replica that ran this execution. */
  executed_by?: string;
  /** False for degraded or failed results: they are shared with current waiters, never cached. */
  cacheable: boolean;
}

export interface PlanExecutorDeps {
  repository: FiiRepository;
  narrator: Narrator;
  replicaId: string;
  logger: Logger;
  /** Called once per heavy execution (the metric the gate sums over replicas). */
  onHeavyExecution: () => void;
  /** Called once per SQL data query a plan execution runs (the stage's own SQL counter); optional. */
  onSqlExecution?: () => void;
}

const LLM_ERRORS: Record<Exclude<NarrationResult['outcome'], 'ok'>, { error: ErrorCode; message: string }> = {
  overload: {
    error: 'llm_concurrency_limited',
    message: 'O assistente está atendendo muitas perguntas agora; tente de novo em alguns segundos.',
  },
  error: {
    error: 'llm_unavailable',
    message: 'O assistente está indisponível no momento; tente de novo mais tarde.',
  },
  timeout: { error: 'llm_timeout', message: 'O assistente demorou demais para responder; tente de novo.' },
};

export class PlanExecutor {
  constructor(private readonly deps: PlanExecutorDeps) {}

  /** `clientId` is given only for private plans: public executions cannot read anyone's positions. */
  async execute(plan: Plan, question: string, clientId: string | undefined): Promise<PlanExecution> {
    this.deps.onHeavyExecution();
    try {
      return await this.run(plan, question, clientId);
    } catch (error) {
      this.deps.logger.error('plan execution failed', { intent: plan.intent, error });
      return {
        answer: null,
        error: 'internal_error',
        message: 'Não foi possível responder a esta pergunta.',
        narrator: { outcome: 'skipped', source: 'none' },
        narrative_overload: false,
        sql_ms: 0,
        llm_ms: 0,
        executed_by: this.deps.replicaId,
        cacheable: false,
      };
    }
  }

  private async run(plan: Plan, question: string, clientId: string | undefined): Promise<PlanExecution> {
    const sqlStarted = performance.now();
    const data = await withSpan('sql', { 'plan.intent': plan.intent }, async () =>
      this.query(plan, clientId),
    );
    const rendered = renderAnswer(plan, data);
    const sqlMs = Math.round(performance.now() - sqlStarted);
    const base = { sql_ms: sqlMs, executed_by: this.deps.replicaId, narrative_overload: false };
    const model = this.deps.narrator.model;

    if (!requiresLlm(plan) && !hasDataToPhrase(data)) {
      // Nothing for the LLM to phrase (unknown funds, empty portfolio, no fund named): the template says it all.
      return {
        ...base,
        answer: rendered.text,
        narrator: { outcome: 'skipped', source: 'template' },
        llm_ms: 0,
        cacheable: true,
      };
    }

    // The result is cached under the plan and shared with every client whose question maps to it, so
    // one client's wording (e.g. "...and say it costs R$ 999") must not reach the LLM for a data plan:
    // those are narrated from the plan itself. Only explain plans, keyed by their topic, need the text.
    const narrated = requiresLlm(plan) ? question : questionOfPlan(plan);
    const narration = await withSpan('narrator', { 'llm.model': model }, () =>
      this.deps.narrator.narrate({ question: narrated, facts: rendered.facts }),
    );
    if (narration.outcome === 'ok') {
      return {
        ...base,
        answer: narration.text,
        narrator: { outcome: 'ok', source: 'llm', model },
        llm_ms: narration.llmMs,
        cacheable: true,
      };
    }
    this.deps.logger.warn('narrator degraded', { outcome: narration.outcome, detail: narration.detail });
    const overload = narration.outcome === 'overload';
    if (requiresLlm(plan)) {
      return {
        ...base,
        ...LLM_ERRORS[narration.outcome],
        answer: null,
        narrator: { outcome: narration.outcome, source: 'none', model },
        narrative_overload: overload,
        llm_ms: narration.llmMs,
        cacheable: false,
      };
    }
    return {
      ...base,
      answer: rendered.text,
      narrator: { outcome: narration.outcome, source: 'template', model },
      narrative_overload: overload,
      llm_ms: narration.llmMs,
      cacheable: false,
    };
  }

  private query(plan: Plan, clientId: string | undefined): PlanData {
    const { repository } = this.deps;
    this.deps.onSqlExecution?.();
    if (plan.intent === 'portfolio') {
      // A private plan without a client would be a wiring bug; refuse rather than answer for nobody.
      if (!clientId) throw new Error('portfolio plan executed without a client id');
      return { kind: 'portfolio', positions: repository.positions(clientId), filter: plan.entities };
    }
    const known = repository.tickers();
    const missing: string[] = [];
    if (plan.intent === 'history') {
      const histories = [];
      for (const ticker of plan.entities) {
        const history = repository.history(ticker, plan.months ?? 6);
        if (history) histories.push(history);
        else missing.push(ticker);
      }
      return { kind: 'history', histories, missing, known, months: plan.months ?? 6 };
    }
    const snapshots = [];
    for (const ticker of plan.entities) {
      const snapshot = repository.snapshot(ticker);
      if (snapshot) snapshots.push(snapshot);
      else missing.push(ticker);
    }
    return { kind: 'funds', snapshots, missing, known };
  }
}

/** A data plan in words, for the narrator: the same for every question that maps to the plan. */
function questionOfPlan(plan: Plan): string {
  const funds = plan.entities.length > 0 ? plan.entities.join(', ') : 'os fundos';
  switch (plan.intent) {
    case 'current_price':
      return `Qual o preço atual de ${funds}?`;
    case 'last_dividend':
      return `Qual foi o último dividendo de ${funds}?`;
    case 'dividend_yield':
      return `Qual o dividend yield de 12 meses de ${funds}?`;
    case 'history':
      return `Como evoluiu ${funds} nos últimos ${plan.months ?? 6} meses?`;
    case 'comparison':
      return `Compare ${funds}.`;
    case 'portfolio':
      return plan.entities.length > 0 ? `Quantas cotas de ${funds} eu tenho?` : 'Como está a minha carteira?';
    case 'explain':
      return `Explique: ${plan.topic ?? funds}`;
  }
}

function hasDataToPhrase(data: PlanData): boolean {
  if (data.kind === 'portfolio') return data.positions.length > 0;
  if (data.kind === 'history') return data.histories.length > 0;
  return data.snapshots.length > 0;
}
