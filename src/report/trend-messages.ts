/**
 * The words of the trend section (the comparison with a baseline), in both report languages, made with
 * the same `say` as every other sentence (language.ts). Kept beside messages.ts rather than in it: only the
 * trend renderers use them.
 */
import { localize, type Language, type Say } from './language.js';
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

/** A verdict id as a Portuguese word; English shows the id itself. */
const VERDICT_PT: Record<Verdict, string> = {
  ready: 'pronto',
  'not-ready': 'não pronto',
  'boot-failed': 'não iniciou',
};

function trendMessages(say: Say): TrendMessages {
  return {
    title: say('Comparado com a linha de base', 'Compared with the baseline'),
    baselineLine: (startedAt, driver, replicas, verdict) =>
      say(
        `Linha de base: relatório de ${startedAt} · driver ${driver} · ${replicas} ${replicas === 1 ? 'réplica' : 'réplicas'} · ${VERDICT_PT[verdict]}`,
        `Baseline: report of ${startedAt} · driver ${driver} · ${replicas} ${replicas === 1 ? 'replica' : 'replicas'} · ${verdict}`,
      ),
    rule: (factor, minGrowth) =>
      say(
        `Regressão: uma verificação pior que antes, mais execuções pesadas, o p95 da rajada acima de ${factor}× o da linha de base (e ao menos +${minGrowth}), ou menos usuários sustentados que a faixa de ruído (−25 % e mais de 2 usuários).`,
        `Regression: a check worse than before, more heavy executions, the burst p95 above ${factor}× the baseline's (and by at least ${minGrowth}), or fewer users held than the noise band allows (−25 % and more than 2 users).`,
      ),
    noBaseline: (reason) =>
      say(`Sem linha de base para comparar: ${reason}`, `No baseline to compare with: ${reason}`),
    refused: (reason) => say(`Linha de base não usada: ${reason}`, `Baseline not used: ${reason}`),
    regressions: (count) =>
      say(
        `${count} ${count === 1 ? 'regressão' : 'regressões'} contra a linha de base`,
        `${count} ${count === 1 ? 'regression' : 'regressions'} against the baseline`,
      ),
    noRegression: say('Nenhuma regressão contra a linha de base.', 'No regression against the baseline.'),
    columns: [
      say('Verificação', 'Check'),
      say('O quê', 'What'),
      say('Linha de base', 'Baseline'),
      say('Agora', 'Now'),
      say('Mudança', 'Change'),
    ],
    status: 'status',
    measures: {
      heavyExecutions: say('execuções pesadas', 'heavy executions'),
      burstP50Ms: say('p50 da rajada', 'burst p50'),
      burstP95Ms: say('p95 da rajada', 'burst p95'),
      leaderMs: say('latência do líder', "leader's latency"),
      overloads: say('sobrecargas', 'overloads'),
      slowestHealthzMs: say('/healthz mais lento', 'slowest /healthz'),
      capacityUsersHeld: say('usuários sustentados', 'users held'),
      capacityUsersFailed: say('usuários em que falhou', 'users at which it failed'),
      capacitySloP95Ms: say('SLO de latência da capacidade', 'capacity latency SLO'),
      capacityAttainmentPct: say('% de respostas no SLO exigida', '% of answers within the SLO required'),
    },
    regression: say('regressão', 'regression'),
    same: say('igual', 'same'),
    better: say('melhor', 'better'),
    changed: say('mudou', 'changed'),
    onlyNow: say('novo', 'new'),
    onlyBefore: say('não medido agora', 'not measured now'),
    absent: '—',
  };
}

const CATALOGUE: Record<Language, TrendMessages> = {
  'pt-BR': trendMessages(localize('pt-BR')),
  en: trendMessages(localize('en')),
};

export function trendMessagesFor(language: Language): TrendMessages {
  return CATALOGUE[language];
}
