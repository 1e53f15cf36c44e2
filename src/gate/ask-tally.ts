/**
 * Errors anywhere: every `POST /ask` any check sends goes through here, so the run can say how many
 * asks were sent and how many failed — whatever each check makes of its own answers — and hold that
 * against the error budget. A stage that fails one ask in twenty fails the run even when every check
 * happened to look past that ask.
 */
import { askFailure, type AskFieldPaths } from '../checks/ask-answer.js';
import { summarizeProblems } from '../checks/ask-answer.js';
import type { BurstRequest, BurstResult } from '../http/burst.js';
import type { GateHttpClient } from '../http/gate-http-client.js';
import type { HttpExchange } from '../http/http-exchange.js';
import { ROUTES } from '../contract/index.js';
import type { AskAccount, CheckId } from '../report/model.js';

/** How many distinct failure descriptions the report keeps (grouped, most frequent first). */
const PROBLEMS_SHOWN = 3;

export class AskTally {
  private readonly byCheck = new Map<CheckId, { sent: number; failed: number }>();
  private readonly problems: string[] = [];

  constructor(
    private readonly paths: AskFieldPaths,
    private readonly budget: number,
  ) {}

  record(check: CheckId, exchange: HttpExchange): void {
    const counts = this.byCheck.get(check) ?? { sent: 0, failed: 0 };
    counts.sent += 1;
    const failure = askFailure(exchange, this.paths);
    if (failure !== undefined) {
      counts.failed += 1;
      this.problems.push(failure);
    }
    this.byCheck.set(check, counts);
  }

  /** The HTTP client as one check sees it: its asks are counted, everything else passes through. */
  client(check: CheckId, http: GateHttpClient): GateHttpClient {
    return {
      baseUrl: http.baseUrl,
      timeoutMs: http.timeoutMs,
      get: (path, options) => http.get(path, options),
      postJson: async (path, body, options) => {
        const exchange = await http.postJson(path, body, options);
        if (path === ROUTES.ask) this.record(check, exchange);
        return exchange;
      },
      close: () => http.close(),
    };
  }

  /** A burst as one check fires it: its asks are counted. */
  burst(
    check: CheckId,
    fire: (requests: BurstRequest[]) => Promise<BurstResult>,
  ): (requests: BurstRequest[]) => Promise<BurstResult> {
    return async (requests) => {
      const result = await fire(requests);
      result.exchanges.forEach((exchange, index) => {
        if (requests[index]?.path === ROUTES.ask) this.record(check, exchange);
      });
      return result;
    };
  }

  account(): AskAccount {
    const checks = [...this.byCheck.entries()].map(([check, counts]) => ({ check, ...counts }));
    const sent = checks.reduce((sum, entry) => sum + entry.sent, 0);
    const failed = checks.reduce((sum, entry) => sum + entry.failed, 0);
    return {
      sent,
      failed,
      budget: this.budget,
      checks,
      ...(this.problems.length > 0 ? { problems: summarizeProblems(this.problems, PROBLEMS_SHOWN) } : {}),
    };
  }
}
