/** Reports for renderer and action tests: a realistic one, and builders for hostile and huge ones. */
import type { CheckResult, GateReport } from '../../src/report/model.js';

export function check(partial: Partial<CheckResult> & Pick<CheckResult, 'id' | 'status'>): CheckResult {
  return { reason: `${partial.id} ${partial.status}`, evidence: [], durationMs: 1234, ...partial };
}

/** A plausible report: one of each status, with every kind of evidence. */
export function sampleReport(overrides: Partial<GateReport> = {}): GateReport {
  return {
    version: 1,
    verdict: 'not-ready',
    worst: 'fail',
    language: 'pt-BR',
    stage: { driver: 'local', baseUrl: 'http://127.0.0.1:41234', replicas: 3, narratorMaxConcurrency: 1 },
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 65_000,
    phases: [{ name: 'boot', durationMs: 4000 }],
    checks: [
      check({
        id: 'stage-up',
        status: 'pass',
        reason: '3 api, 1 gateway e 1 serviço exigido em execução e saudáveis',
        evidence: [
          {
            kind: 'table',
            title: 'Serviços',
            columns: ['service', 'name', 'state', 'health'],
            rows: [
              ['api', 'api-1', 'running', 'healthy'],
              ['api', 'api-2', 'running', 'healthy'],
              ['gateway', 'gateway', 'running', 'healthy'],
            ],
          },
        ],
      }),
      check({
        id: 'load-balancing',
        status: 'warn',
        reason: '20/20 pedidos ok, mas só 2 de 3 réplicas responderam',
        evidence: [
          {
            kind: 'histogram',
            title: 'Réplicas que responderam',
            buckets: [
              { label: 'api-1', count: 12 },
              { label: 'api-2', count: 8 },
            ],
          },
          {
            kind: 'facts',
            title: 'Resumo',
            facts: [
              { label: 'pedidos', value: 20 },
              { label: 'ok', value: true },
            ],
          },
        ],
      }),
      check({
        id: 'plan-cache-single-flight',
        status: 'fail',
        reason: '20 execuções pesadas em vez de 1',
        evidence: [{ kind: 'lines', title: 'Log da api', lines: ['GET /healthz 200', 'POST /ask 200 miss'] }],
      }),
      check({ id: 'private-isolation', status: 'skipped', reason: 'não selecionada' }),
      check({
        id: 'narrator-saturation',
        status: 'pass',
        reason: '4 de 10 respostas sobrecarregadas, /healthz rápido',
      }),
    ],
    ...overrides,
  };
}

export function allPassing(language: GateReport['language'] = 'pt-BR'): GateReport {
  const base = sampleReport({ language, verdict: 'ready', worst: 'pass' });
  return { ...base, checks: base.checks.map((c) => ({ ...c, status: 'pass' as const })) };
}

export function bootFailed(language: GateReport['language'] = 'pt-BR'): GateReport {
  return sampleReport({
    language,
    verdict: 'boot-failed',
    worst: 'fail',
    checks: [
      check({ id: 'stage-up', status: 'fail', reason: 'compose up: service api exited (1) after 12 s' }),
      ...(
        ['load-balancing', 'plan-cache-single-flight', 'private-isolation', 'narrator-saturation'] as const
      ).map((id) => check({ id, status: 'skipped', reason: 'stage-up failed' })),
    ],
  });
}
