/**
 * The words of the trend section (the comparison with a baseline), in both report languages. Kept
 * beside i18n.ts rather than in it: only the trend renderers use them.
 */
import type { Language } from './i18n.js';
import type { MeasureId, Verdict } from './model.js';

export interface TrendMessages {
  title: string;
  baselineLine: (startedAt: string, driver: string, replicas: number, verdict: Verdict) => string;
  rule: (factor: number, minGrowth: string) => string;
  noBaseline: (reason: string) => string;
  refused: (reason: string) => string;
  regressions: (count: number) => string;
  noRegression: string;
  columns: [string, string, string, string, string];
  status: string;
  measures: Record<MeasureId, string>;
  regression: string;
  same: string;
  better: string;
  changed: string;
  onlyNow: string;
  onlyBefore: string;
  absent: string;
}

const VERDICT_PT: Record<Verdict, string> = {
  ready: 'pronto',
  'not-ready': 'não pronto',
  'boot-failed': 'não iniciou',
};

const PT_BR: TrendMessages = {
  title: 'Comparado com a linha de base',
  baselineLine: (startedAt, driver, replicas, verdict) =>
    `Linha de base: relatório de ${startedAt} · driver ${driver} · ${replicas} ${replicas === 1 ? 'réplica' : 'réplicas'} · ${VERDICT_PT[verdict]}`,
  rule: (factor, minGrowth) =>
    `Regressão: uma verificação pior que antes, mais execuções pesadas, ou o p95 da rajada acima de ${factor}× o da linha de base (e ao menos +${minGrowth}).`,
  noBaseline: (reason) => `Sem linha de base para comparar: ${reason}`,
  refused: (reason) => `Linha de base não usada: ${reason}`,
  regressions: (count) => `${count} ${count === 1 ? 'regressão' : 'regressões'} contra a linha de base`,
  noRegression: 'Nenhuma regressão contra a linha de base.',
  columns: ['Verificação', 'O quê', 'Linha de base', 'Agora', 'Mudança'],
  status: 'status',
  measures: {
    heavyExecutions: 'execuções pesadas',
    burstP50Ms: 'p50 da rajada',
    burstP95Ms: 'p95 da rajada',
    leaderMs: 'latência do líder',
    overloads: 'sobrecargas',
    slowestHealthzMs: '/healthz mais lento',
  },
  regression: 'regressão',
  same: 'igual',
  better: 'melhor',
  changed: 'mudou',
  onlyNow: 'novo',
  onlyBefore: 'não medido agora',
  absent: '—',
};

const EN: TrendMessages = {
  title: 'Compared with the baseline',
  baselineLine: (startedAt, driver, replicas, verdict) =>
    `Baseline: report of ${startedAt} · driver ${driver} · ${replicas} ${replicas === 1 ? 'replica' : 'replicas'} · ${verdict}`,
  rule: (factor, minGrowth) =>
    `Regression: a check worse than before, more heavy executions, or the burst p95 above ${factor}× the baseline's (and by at least ${minGrowth}).`,
  noBaseline: (reason) => `No baseline to compare with: ${reason}`,
  refused: (reason) => `Baseline not used: ${reason}`,
  regressions: (count) => `${count} ${count === 1 ? 'regression' : 'regressions'} against the baseline`,
  noRegression: 'No regression against the baseline.',
  columns: ['Check', 'What', 'Baseline', 'Now', 'Change'],
  status: 'status',
  measures: {
    heavyExecutions: 'heavy executions',
    burstP50Ms: 'burst p50',
    burstP95Ms: 'burst p95',
    leaderMs: "leader's latency",
    overloads: 'overloads',
    slowestHealthzMs: 'slowest /healthz',
  },
  regression: 'regression',
  same: 'same',
  better: 'better',
  changed: 'changed',
  onlyNow: 'new',
  onlyBefore: 'not measured now',
  absent: '—',
};

export function trendMessagesFor(language: Language): TrendMessages {
  return language === 'en' ? EN : PT_BR;
}
