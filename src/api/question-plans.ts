/**
 * The plans of recently asked questions. A plan is a pure function of the question's text, and so is
 * the cache key of a public plan (one key for every client). On the cached path, planning (the
 * planner's regular expressions) and the key (canonical JSON and SHA-256 of the plan) were the largest
 * share of the API's own CPU per /ask (the bench's profile, issue 5), so a question asked again reuses
 * both. Private keys still depend on the client and are derived per request. Bounded: the least
 * recently asked question is forgotten first.
 */
import { derivePlanCacheKey, type PlanCacheKeyOptions } from './plan-cache.js';
import { planQuestion, type Plan } from './planner.js';

export interface PlannedQuestion {
  plan: Plan;
  key: string;
}

interface Entry {
  plan: Plan;
  /** The key, when it is the same for every client. */
  sharedKey: string | undefined;
}

export class QuestionPlans {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: { maxEntries: number; keyOptions?: PlanCacheKeyOptions }) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1)
      throw new Error(`maxEntries must be a whole number ≥ 1, got ${options.maxEntries}`);
  }

  /** The question's plan, and its cache key for `clientId`. */
  resolve(question: string, clientId: string): PlannedQuestion {
    let entry = this.entries.get(question);
    if (entry) {
      // A Map iterates in insertion order: re-inserting keeps the least recently asked first.
      this.entries.delete(question);
      this.entries.set(question, entry);
    } else {
      entry = this.plan(question);
      this.entries.set(question, entry);
      if (this.entries.size > this.options.maxEntries)
        this.entries.delete(this.entries.keys().next().value as string);
    }
    return {
      plan: entry.plan,
      key: entry.sharedKey ?? derivePlanCacheKey(entry.plan, clientId, this.options.keyOptions),
    };
  }

  get size(): number {
    return this.entries.size;
  }

  private plan(question: string): Entry {
    const planned = planQuestion(question);
    // Shared by every later request with this text: frozen, so no caller can change it for the others.
    Object.freeze(planned.entities);
    const plan = Object.freeze(planned);
    const clientIndependent = plan.scope === 'public' || this.options.keyOptions?.sharePrivateKeys === true;
    return {
      plan,
      // Public keys (and, under the shared-cache-keys fault, private ones) do not contain the client.
      sharedKey: clientIndependent ? derivePlanCacheKey(plan, '', this.options.keyOptions) : undefined,
    };
  }
}
