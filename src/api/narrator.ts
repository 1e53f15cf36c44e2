/**
 * Phrases query results (or answers a free-form question) through Ollama's HTTP API, `POST /api/chat`.
 * Bounded three ways: the per-replica limiter (refuses instead of queueing without end), a timeout on
 * the call, and Ollama's own "server busy" 503, which counts as overload like a full limiter.
 * Works unchanged against a real Ollama and against the bundled simulator.
 */
import type { LlmCallOutcome, NarratorOutcome } from '../contract/index.js';
import { isRelease, type Semaphore } from '../kit/semaphore.js';

export interface NarrationRequest {
  question: string;
  /** Facts from the database, one per line; empty for a general question. */
  facts: string[];
}

export type NarrationResult =
  | { outcome: 'ok'; text: string; model: string; llmMs: number }
  | { outcome: Exclude<NarratorOutcome, 'ok' | 'skipped'>; detail: string; model: string; llmMs: number };

export interface Narrator {
  readonly model: string;
  narrate(request: NarrationRequest): Promise<NarrationResult>;
}

/** Hooks for metrics, so this module does not depend on how they are exported. */
export interface NarratorObserver {
  outcome(outcome: NarrationResult['outcome']): void;
  inFlightChanged(delta: 1 | -1): void;
  /** Time this call waited for a permit of the limiter (granted or not), for the capacity check. */
  permitWaited?(seconds: number): void;
  /** One call to the LLM backend and how it ended (`busy`: its own 429/503). */
  llmCalled?(seconds: number, outcome: LlmCallOutcome): void;
}

export interface OllamaNarratorOptions {
  baseUrl: string;
  model: string;
  timeoutMs: number;
  /** This replica's LLM slots: a full semaphore answers 'overload' instead of queueing without end. */
  limiter: Semaphore;
  observer?: NarratorObserver;
}

const SYSTEM_PROMPT =
  'Você é o assistente de um aplicativo de investimentos e responde, em português do Brasil, perguntas ' +
  'sobre fundos imobiliários (FIIs). Responda em no máximo três frases. Quando houver dados, use apenas ' +
  'os dados fornecidos e não invente números. Os dados são de exemplo, não cotações reais. Não faça ' +
  'recomendação de compra ou venda.';

/** Ollama answers 503 when its queue is full ("server busy, please try again. maximum pending requests exceeded"). */
const OVERLOAD_STATUSES = new Set([429, 503]);

export class OllamaNarrator implements Narrator {
  readonly model: string;

  constructor(private readonly options: OllamaNarratorOptions) {
    this.model = options.model;
  }

  async narrate(request: NarrationRequest): Promise<NarrationResult> {
    const result = await this.call(request);
    this.options.observer?.outcome(result.outcome);
    return result;
  }

  /** How a call that reached the backend ended, for its latency metric; undefined when none was made. */
  private static llmCallOutcome(result: NarrationResult): LlmCallOutcome | undefined {
    if (result.outcome === 'ok') return 'ok';
    if (result.outcome === 'timeout') return 'timeout';
    if (result.outcome === 'error') return 'error';
    // An overload with no time spent is the limiter's refusal: the backend was never called.
    return result.llmMs > 0 ? 'busy' : undefined;
  }

  private async call(request: NarrationRequest): Promise<NarrationResult> {
    const waitStarted = performance.now();
    const release = await this.options.limiter.acquire();
    this.options.observer?.permitWaited?.((performance.now() - waitStarted) / 1000);
    if (!isRelease(release))
      return {
        outcome: 'overload',
        detail: 'narrator concurrency limit reached',
        model: this.model,
        llmMs: 0,
      };
    this.options.observer?.inFlightChanged(1);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const result = await this.callBackend(request, elapsed).finally(() => {
      release();
      this.options.observer?.inFlightChanged(-1);
    });
    const outcome = OllamaNarrator.llmCallOutcome(result);
    if (outcome) this.options.observer?.llmCalled?.((performance.now() - started) / 1000, outcome);
    return result;
  }

  private async callBackend(request: NarrationRequest, elapsed: () => number): Promise<NarrationResult> {
    try {
      const response = await fetch(`${this.options.baseUrl}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: this.model,
          stream: false,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: userPrompt(request) },
          ],
          options: { temperature: 0, num_predict: 256 },
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const body = await response.text();
      if (OVERLOAD_STATUSES.has(response.status))
        return {
          outcome: 'overload',
          detail: ollamaError(response.status, body),
          model: this.model,
          llmMs: elapsed(),
        };
      if (!response.ok)
        return {
          outcome: 'error',
          detail: ollamaError(response.status, body),
          model: this.model,
          llmMs: elapsed(),
        };
      const text = chatContent(body);
      if (!text)
        return {
          outcome: 'error',
          detail: 'Ollama answered without content',
          model: this.model,
          llmMs: elapsed(),
        };
      return { outcome: 'ok', text, model: this.model, llmMs: elapsed() };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        return {
          outcome: 'timeout',
          detail: `no answer from Ollama within ${this.options.timeoutMs} ms`,
          model: this.model,
          llmMs: elapsed(),
        };
      return { outcome: 'error', detail: describeFetchError(error), model: this.model, llmMs: elapsed() };
    }
  }
}

function userPrompt(request: NarrationRequest): string {
  const data = request.facts.length > 0 ? request.facts.map((fact) => `- ${fact}`).join('\n') : '(nenhum)';
  // One line: line breaks in a question could otherwise forge a "Dados:" block of made-up facts.
  const question = request.question.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
  return `Pergunta: ${question}\n\nDados:\n${data}`;
}

function chatContent(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: { content?: unknown } };
    const content = parsed.message?.content;
    return typeof content === 'string' && content.trim() ? content.trim() : undefined;
  } catch {
    return undefined;
  }
}

function ollamaError(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return `Ollama ${status}: ${parsed.error}`;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return `Ollama ${status}: ${body.slice(0, 200)}`;
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `cannot reach Ollama: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
}
