/**
 * The stage's own Prometheus, verified before any of its numbers is used: among its active scrape
 * targets, the job whose targets are exactly the booted api containers (matched by address, not by
 * the job's name) is the one every sum is read from. A Prometheus that answers but scrapes something
 * else, or only some of the replicas, rejects with a `not-this-stage` MetricsFailure that names what it
 * does scrape: the checks then count its numbers as missing evidence, never as proof.
 */
import { pollUntil } from '../../kit/poll.js';
import { MetricsReadError, type MetricsFailure, type MetricsReader, type MetricsSource } from '../driver.js';
import { PrometheusApiReader } from './prometheus-api-reader.js';
import { describeMetricsFailure } from '../stage-words.js';
import { inEnglish } from '../../report/language.js';

/** One api container and every name or address a scrape target may use for it. */
export interface ContainerIdentity {
  name: string;
  /** IP addresses, container name, hostname: never the service name, which resolves to any replica. */
  hosts: string[];
}

export interface ScrapeTarget {
  job: string;
  instance: string;
}

/** Shown at most, of what a foreign Prometheus scrapes. */
const FOUND_SHOWN = 10;

/** `172.18.0.5:8080` → `172.18.0.5`; `[::1]:8080` → `::1`; `backend-1` → `backend-1`. */
export function hostOfInstance(instance: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
  if (bracketed) return bracketed[1]!;
  const colons = instance.split(':').length - 1;
  return colons === 1 ? instance.slice(0, instance.lastIndexOf(':')) : instance;
}

/**
 * The job whose targets are exactly `containers` (every one, and nothing else); otherwise the failure
 * as data, with the closest job and what it lacks.
 */
export function matchScrapeJob(
  where: string,
  targets: ScrapeTarget[],
  containers: ContainerIdentity[],
): { job: string } | { failure: MetricsFailure } {
  const owner = (instance: string) =>
    containers.find((container) => container.hosts.includes(hostOfInstance(instance)));
  const jobs = [...new Set(targets.map((target) => target.job))];
  let best: { job: string; covered: Set<string>; foreign: number } | undefined;
  for (const job of jobs) {
    const instances = targets.filter((target) => target.job === job).map((target) => target.instance);
    const covered = new Set(
      instances
        .map(owner)
        .filter((c) => c !== undefined)
        .map((c) => c.name),
    );
    const foreign = instances.filter((instance) => owner(instance) === undefined).length;
    if (covered.size === containers.length && foreign === 0 && containers.length > 0) return { job };
    if (covered.size > 0 && (!best || covered.size > best.covered.size)) best = { job, covered, foreign };
  }
  const expected = containers.map((container) => `${container.name} (${container.hosts.join(', ')})`);
  const found = targets.slice(0, FOUND_SHOWN).map((target) => `${target.job}: ${target.instance}`);
  if (targets.length > FOUND_SHOWN) found.push(`… ${targets.length - FOUND_SHOWN} more`);
  return {
    failure: {
      kind: 'not-this-stage',
      where,
      expected,
      found,
      ...(best
        ? {
            job: best.job,
            missing: containers.filter((c) => !best.covered.has(c.name)).map((c) => c.name),
          }
        : {}),
    },
  };
}

export interface StagePrometheusOptions {
  url: string;
  /** The booted api containers, read when the reader is first used. */
  containers: () => Promise<ContainerIdentity[]>;
  /** How long Prometheus may take to discover every replica (its service discovery lags the boot). */
  verifyTimeoutMs?: number;
  pollMs?: number;
  /** Bound on each HTTP call. */
  timeoutMs?: number;
}

export class StagePrometheusReader implements MetricsReader {
  private readonly url: string;
  private readonly any: PrometheusApiReader;
  private verified: Promise<PrometheusApiReader> | undefined;
  private job: string | undefined;

  constructor(private readonly options: StagePrometheusOptions) {
    this.any = new PrometheusApiReader({
      url: options.url,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    this.url = this.any.source.kind === 'prometheus' ? this.any.source.url : options.url;
  }

  get source(): MetricsSource {
    return { kind: 'prometheus', url: this.url, ...(this.job ? { job: this.job } : {}) };
  }

  /** The job of the api containers, found once (a failure is remembered too: it is the same stage). */
  verify(): Promise<PrometheusApiReader> {
    this.verified ??= this.findJob();
    return this.verified;
  }

  private async findJob(): Promise<PrometheusApiReader> {
    const deadline = Date.now() + (this.options.verifyTimeoutMs ?? 12_000);
    let outcome: ReturnType<typeof matchScrapeJob> | undefined;
    let failure: { error: unknown } | undefined;
    await pollUntil(
      async () => {
        try {
          const [targets, containers] = await Promise.all([
            this.any.activeTargets(),
            this.options.containers(),
          ]);
          outcome = matchScrapeJob(this.url, targets, containers);
          return 'job' in outcome;
        } catch (error) {
          // Unreachable or not a Prometheus: no point in asking again.
          failure = { error };
          return true;
        }
      },
      { deadline, intervalMs: this.options.pollMs ?? 500 },
    );
    if (failure) throw failure.error;
    if (!outcome || 'failure' in outcome) {
      const data = outcome && 'failure' in outcome ? outcome.failure : undefined;
      if (data) throw new MetricsReadError(data, describeMetricsFailure(data, inEnglish));
      throw new MetricsReadError(
        { kind: 'other', message: 'no answer' },
        `Prometheus at ${this.url}: no answer`,
      );
    }
    this.job = outcome.job;
    return new PrometheusApiReader({
      url: this.url,
      settleJobs: [outcome.job],
      ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
    });
  }

  async settle(timeoutMs: number): Promise<void> {
    const started = Date.now();
    const reader = await this.verify();
    await reader.settle(Math.max(1000, timeoutMs - (Date.now() - started)));
  }

  async sum(metric: string, labels?: Record<string, string>): Promise<number | undefined> {
    const reader = await this.verify();
    return reader.sum(metric, { ...labels, job: this.job! });
  }

  async perReplica(metric: string, labels?: Record<string, string>): Promise<Map<string, number>> {
    const reader = await this.verify();
    return reader.perReplica(metric, { ...labels, job: this.job! });
  }
}
