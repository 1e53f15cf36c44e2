/**
 * Every human-facing word the renderers print, in Brazilian Portuguese (the default) and English.
 * Stage-supplied text never goes through here: it is data, escaped where it is placed.
 */
import type { CheckId, CheckStatus, GateReport, Verdict } from './model.js';

export type Language = GateReport['language'];

export interface Messages {
  title: string;
  verdictHeadline: Record<Verdict, string>;
  sections: { passed: string; degraded: string; failed: string; skipped: string; conclusion: string };
  nothing: string;
  checkNames: Record<CheckId, string>;
  statusWord: Record<CheckStatus, string>;
  conclusion: {
    ready: string;
    readyWithWarnings: (warned: number) => string;
    notReady: (failed: number, ids: string) => string;
    bootFailed: string;
  };
  evidence: string;
  factColumns: [string, string];
  stageLine: (driver: string, replicas: number, narrator: number, duration: string) => string;
  trimmedRows: (shown: number, total: number) => string;
  trimmedLines: (shown: number, total: number) => string;
  evidenceOmitted: string;
  reportTrimmed: string;
  noRows: string;
  chartNotDrawn: (points: number, maxPoints: number) => string;
  serviceLogs: {
    title: (linesPerService: number) => string;
    whereWhole: string;
    unreadable: string;
    omitted: string;
  };
}

const PT_BR: Messages = {
  title: 'stagegate',
  verdictHeadline: {
    ready: 'Stage pronto para chat multiusuário',
    'not-ready': 'Stage não pronto para chat multiusuário',
    'boot-failed': 'Stage não pronto para chat multiusuário: o stage não pôde ser iniciado',
  },
  sections: {
    passed: '✅ O que passou',
    degraded: '⚠️ O que degradou',
    failed: '❌ O que falhou',
    skipped: '⏭️ O que não foi executado',
    conclusion: 'Conclusão',
  },
  nothing: 'Nada.',
  checkNames: {
    'stage-up': 'Stage no ar',
    'load-balancing': 'Balanceamento de carga',
    'plan-cache-single-flight': 'Cache de planos e single-flight',
    'private-isolation': 'Isolamento de dados privados',
    'narrator-saturation': 'Saturação do narrador',
  },
  statusWord: { pass: 'passou', warn: 'degradou', fail: 'falhou', skipped: 'não executado' },
  conclusion: {
    ready: 'Stage pronto para chat multiusuário: todas as verificações passaram.',
    readyWithWarnings: (warned) =>
      `Stage pronto para chat multiusuário, com ${warned} ${warned === 1 ? 'verificação degradada' : 'verificações degradadas'}.`,
    notReady: (failed, ids) =>
      `Stage não pronto para chat multiusuário: ${failed} ${failed === 1 ? 'verificação falhou' : 'verificações falharam'} (${ids}).`,
    bootFailed:
      'Stage não pronto para chat multiusuário: o stage não pôde ser iniciado, então nenhuma verificação pôde provar nada.',
  },
  evidence: 'Evidência',
  factColumns: ['Item', 'Valor'],
  stageLine: (driver, replicas, narrator, duration) =>
    `driver \`${driver}\` · ${replicas} ${replicas === 1 ? 'réplica' : 'réplicas'} · limite do narrador ${narrator} · ${duration}`,
  trimmedRows: (shown, total) =>
    `… ${total - shown} de ${total} linhas omitidas para caber no limite do GitHub`,
  trimmedLines: (shown, total) =>
    `… ${total - shown} de ${total} linhas omitidas para caber no limite do GitHub`,
  evidenceOmitted: 'Evidência omitida para caber no limite de tamanho do GitHub; veja o relatório JSON.',
  reportTrimmed: 'Relatório encurtado para caber no limite de tamanho do GitHub; veja o relatório JSON.',
  noRows: '(vazio)',
  chartNotDrawn: (points, maxPoints) =>
    `gráfico não desenhado: ${points} pontos, acima do limite de ${maxPoints}; veja a tabela`,
  serviceLogs: {
    title: (lines) => `📜 Logs dos serviços (últimas ${lines} linhas de cada)`,
    whereWhole: 'Os logs completos ficam no log-dir (artefato do job).',
    unreadable: 'log ilegível',
    omitted: 'Logs dos serviços omitidos para caber no limite de tamanho do GitHub; veja o relatório JSON.',
  },
};

const EN: Messages = {
  title: 'stagegate',
  verdictHeadline: {
    ready: 'Stage ready for multi-user chat',
    'not-ready': 'Stage not ready for multi-user chat',
    'boot-failed': 'Stage not ready for multi-user chat: the stage could not be booted',
  },
  sections: {
    passed: '✅ What passed',
    degraded: '⚠️ What degraded',
    failed: '❌ What failed',
    skipped: '⏭️ What was not run',
    conclusion: 'Conclusion',
  },
  nothing: 'Nothing.',
  checkNames: {
    'stage-up': 'Stage up',
    'load-balancing': 'Load balancing',
    'plan-cache-single-flight': 'Plan cache and single-flight',
    'private-isolation': 'Private data isolation',
    'narrator-saturation': 'Narrator saturation',
  },
  statusWord: { pass: 'passed', warn: 'degraded', fail: 'failed', skipped: 'not run' },
  conclusion: {
    ready: 'Stage ready for multi-user chat: every check passed.',
    readyWithWarnings: (warned) =>
      `Stage ready for multi-user chat, with ${warned} degraded ${warned === 1 ? 'check' : 'checks'}.`,
    notReady: (failed, ids) =>
      `Stage not ready for multi-user chat: ${failed} ${failed === 1 ? 'check' : 'checks'} failed (${ids}).`,
    bootFailed:
      'Stage not ready for multi-user chat: the stage could not be booted, so no check could prove anything.',
  },
  evidence: 'Evidence',
  factColumns: ['Item', 'Value'],
  stageLine: (driver, replicas, narrator, duration) =>
    `driver \`${driver}\` · ${replicas} ${replicas === 1 ? 'replica' : 'replicas'} · narrator limit ${narrator} · ${duration}`,
  trimmedRows: (shown, total) => `… ${total - shown} of ${total} rows left out to fit GitHub's size limit`,
  trimmedLines: (shown, total) => `… ${total - shown} of ${total} lines left out to fit GitHub's size limit`,
  evidenceOmitted: "Evidence left out to fit GitHub's size limit; see the JSON report.",
  reportTrimmed: "Report shortened to fit GitHub's size limit; see the JSON report.",
  noRows: '(empty)',
  chartNotDrawn: (points, maxPoints) =>
    `chart not drawn: ${points} points, over the limit of ${maxPoints}; see the table`,
  serviceLogs: {
    title: (lines) => `📜 Service logs (last ${lines} lines of each)`,
    whereWhole: "The whole logs are in the log-dir (the job's artifact).",
    unreadable: 'log unreadable',
    omitted: "Service logs left out to fit GitHub's size limit; see the JSON report.",
  },
};

export function messagesFor(language: Language): Messages {
  return language === 'en' ? EN : PT_BR;
}

/** A check's display name; an id this build does not know is shown as itself. */
export function checkName(messages: Messages, id: string): string {
  return (messages.checkNames as Record<string, string>)[id] ?? id;
}
