/**
 * The figures of the cached-/ask throughput rounds, for either generator (the bench's Node client or
 * wrk): requests per second of each load, their ratios, p50/p99 latencies, Redis commands per cached
 * ask, and where the machine's CPU went per request. Targets are given by the caller, so the same rows
 * serve issue 5's Node figures and issue 13's wrk figures.
 */
import { FigureBook, type Target } from './figures.js';
import type { ThroughputRound } from './throughput-bench.js';

export interface ThroughputFigureOptions {
  /** Prefix of every figure id, e.g. `throughput` or `wrk`. */
  idPrefix: string;
  section: string;
  /** How the generator's CPU row reads, e.g. `wrk`. */
  generatorLabel: string;
  targets: {
    askVsHealthz?: Target;
    askP99VsHealthzP99?: Target;
    redisPerAsk?: Target;
  };
}

const GROUP_LABELS = { api: 'api replicas', gateway: 'gateway', redis: 'redis', control: 'control server' };

export function recordThroughputFigures(
  book: FigureBook,
  rounds: ThroughputRound[],
  options: ThroughputFigureOptions,
): void {
  const { idPrefix: p, section, targets } = options;
  const add = (id: string, label: string, unit: string, value: number | undefined, target?: Target) =>
    book.add({ id: `${p}.${id}`, section, label, unit, ...(target ? { target } : {}) }, value);
  for (const r of rounds) {
    add('healthz-gateway', 'GET /healthz via gateway (ceiling)', 'req/s', r.healthzGateway.requestsPerSecond);
    add('ask-gateway', 'cached POST /ask via gateway', 'req/s', r.askGateway.requestsPerSecond);
    add(
      'ask-vs-healthz',
      'cached /ask ÷ /healthz via gateway',
      'ratio',
      r.askGateway.requestsPerSecond / r.healthzGateway.requestsPerSecond,
      targets.askVsHealthz,
    );
    add(
      'ask-redis-per-request',
      'Redis commands per cached /ask via gateway',
      'cmd/req',
      r.askRedis.perRequest,
      targets.redisPerAsk,
    );
    add('ask-direct', 'cached POST /ask, one replica directly', 'req/s', r.askDirect.requestsPerSecond);
    add(
      'gateway-vs-direct',
      'cached /ask via gateway ÷ one replica directly',
      'ratio',
      r.askGateway.requestsPerSecond / r.askDirect.requestsPerSecond,
    );
    add('control', 'generator vs trivial node:http server (control)', 'req/s', r.control.requestsPerSecond);
    add('ask-gateway-p50', 'cached /ask via gateway, p50 latency', 'ms', r.askGateway.latencyMs.p50);
    add('ask-gateway-p99', 'cached /ask via gateway, p99 latency', 'ms', r.askGateway.latencyMs.p99);
    add('healthz-gateway-p50', '/healthz via gateway, p50 latency', 'ms', r.healthzGateway.latencyMs.p50);
    add('healthz-gateway-p99', '/healthz via gateway, p99 latency', 'ms', r.healthzGateway.latencyMs.p99);
    add(
      'ask-p99-vs-healthz-p99',
      'p99 of cached /ask ÷ p99 of /healthz, via gateway',
      'ratio',
      r.askGateway.latencyMs.p99 / r.healthzGateway.latencyMs.p99,
      targets.askP99VsHealthzP99,
    );
    add('ask-direct-p50', 'cached /ask directly, p50 latency', 'ms', r.askDirect.latencyMs.p50);
    add('ask-direct-p99', 'cached /ask directly, p99 latency', 'ms', r.askDirect.latencyMs.p99);
    for (const [key, label, load] of [
      ['healthz-gateway', '/healthz via gateway', r.healthzGateway],
      ['ask-gateway', 'cached /ask via gateway', r.askGateway],
      ['ask-direct', 'cached /ask directly', r.askDirect],
      ['control', 'control', r.control],
    ] as const) {
      const perRequest = (ms: number | undefined) =>
        load.requests && ms !== undefined ? (ms * 1000) / load.requests : undefined;
      const groups =
        key === 'control'
          ? (['generator', 'control'] as const)
          : (['generator', 'api', 'gateway', 'redis'] as const);
      for (const group of groups) {
        if (group === 'gateway' && key === 'ask-direct') continue;
        const groupLabel = group === 'generator' ? options.generatorLabel : GROUP_LABELS[group];
        add(
          `cpu.${key}.${group}`,
          `${groupLabel} CPU per request, ${label}`,
          'µs',
          perRequest(load.cpu.byGroup[group]),
        );
      }
      const ours = Object.values(load.cpu.byGroup).reduce((total, value) => total + value, 0);
      add(
        `cpu.${key}.others`,
        `CPU of other tenants during ${label}`,
        '% of a core',
        Number.isFinite(load.cpu.machineBusyMs)
          ? (100 * Math.max(0, load.cpu.machineBusyMs - ours)) / load.cpu.wallMs
          : undefined,
      );
    }
    add(
      'errors',
      'non-2xx or failed requests (all four loads)',
      'count',
      r.healthzGateway.errors + r.askGateway.errors + r.askDirect.errors + r.control.errors,
    );
  }
}
