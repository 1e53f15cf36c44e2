/**
 * The renderers' fixed words (headings, status words, conclusions, notes on trimming), gathered in one
 * typed catalogue so a renderer asks for `messages.evidence` rather than writing sentences itself. Each
 * entry is written in both languages where it is made, through the same `say` the checks use
 * (language.ts). Stage-supplied text never goes through here: it is data, escaped where it is placed.
 */
import { localize, type Language, type Say } from './language.js';
import type { CheckId, CheckStatus, Verdict } from './model.js';

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
    /** The number a ready verdict carries when chat-capacity measured it (appended after the sentence). */
    capacity: (users: number, percentile: number, sloMs: number) => string;
    /** When no level was proven held but one was proven failed: the number is an upper bound. */
    capacityBelow: (failed: number, percentile: number, sloMs: number) => string;
    /** Appended to the verdict line when a check's metric evidence was missing (the missing-metric rule). */
    metricEvidenceMissing: (ids: string) => string;
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

function messages(say: Say): Messages {
  return {
    title: 'stagegate',
    verdictHeadline: {
      ready: say('Stage pronto para chat multiusuário', 'Stage ready for multi-user chat'),
      'not-ready': say('Stage não pronto para chat multiusuário', 'Stage not ready for multi-user chat'),
      'boot-failed': say(
        'Stage não pronto para chat multiusuário: o stage não pôde ser iniciado',
        'Stage not ready for multi-user chat: the stage could not be booted',
      ),
    },
    sections: {
      passed: say('✅ O que passou', '✅ What passed'),
      degraded: say('⚠️ O que degradou', '⚠️ What degraded'),
      failed: say('❌ O que falhou', '❌ What failed'),
      skipped: say('⏭️ O que não foi executado', '⏭️ What was not run'),
      conclusion: say('Conclusão', 'Conclusion'),
    },
    nothing: say('Nada.', 'Nothing.'),
    checkNames: {
      'stage-up': say('Stage no ar', 'Stage up'),
      'load-balancing': say('Balanceamento de carga', 'Load balancing'),
      'plan-cache-single-flight': say('Cache de planos e single-flight', 'Plan cache and single-flight'),
      'private-isolation': say('Isolamento de dados privados', 'Private data isolation'),
      'narrator-saturation': say('Saturação do narrador', 'Narrator saturation'),
      'chat-capacity': say('Capacidade de chat', 'Chat capacity'),
    },
    statusWord: {
      pass: say('passou', 'passed'),
      warn: say('degradou', 'degraded'),
      fail: say('falhou', 'failed'),
      skipped: say('não executado', 'not run'),
    },
    conclusion: {
      ready: say(
        'Stage pronto para chat multiusuário: todas as verificações passaram.',
        'Stage ready for multi-user chat: every check passed.',
      ),
      readyWithWarnings: (warned) =>
        say(
          `Stage pronto para chat multiusuário, com ${warned} ${warned === 1 ? 'verificação degradada' : 'verificações degradadas'}.`,
          `Stage ready for multi-user chat, with ${warned} degraded ${warned === 1 ? 'check' : 'checks'}.`,
        ),
      notReady: (failed, ids) =>
        say(
          `Stage não pronto para chat multiusuário: ${failed} ${failed === 1 ? 'verificação falhou' : 'verificações falharam'} (${ids}).`,
          `Stage not ready for multi-user chat: ${failed} ${failed === 1 ? 'check' : 'checks'} failed (${ids}).`,
        ),
      bootFailed: say(
        'Stage não pronto para chat multiusuário: o stage não pôde ser iniciado, então nenhuma verificação pôde provar nada.',
        'Stage not ready for multi-user chat: the stage could not be booted, so no check could prove anything.',
      ),
      capacity: (users, percentile, sloMs) =>
        say(
          `Pronto para chat multiusuário: ${users} ${users === 1 ? 'usuário simultâneo' : 'usuários simultâneos'} a p${percentile} ≤ ${sloMs} ms.`,
          `Ready for multi-user chat: ${users} simultaneous ${users === 1 ? 'user' : 'users'} at p${percentile} ≤ ${sloMs} ms.`,
        ),
      capacityBelow: (failed, percentile, sloMs) =>
        say(
          `Capacidade: menos de ${failed} usuários simultâneos a p${percentile} ≤ ${sloMs} ms (nenhum nível menor provado).`,
          `Capacity: fewer than ${failed} simultaneous users at p${percentile} ≤ ${sloMs} ms (no lower level proven).`,
        ),
      metricEvidenceMissing: (ids) =>
        say(
          `Evidência de métrica ausente em ${ids}: confirmado só pelas respostas.`,
          `Metric evidence was missing in ${ids}: confirmed by answers only.`,
        ),
    },
    evidence: say('Evidência', 'Evidence'),
    factColumns: ['Item', say('Valor', 'Value')],
    stageLine: (driver, replicas, narrator, duration) =>
      say(
        `driver \`${driver}\` · ${replicas} ${replicas === 1 ? 'réplica' : 'réplicas'} · limite do narrador ${narrator} · ${duration}`,
        `driver \`${driver}\` · ${replicas} ${replicas === 1 ? 'replica' : 'replicas'} · narrator limit ${narrator} · ${duration}`,
      ),
    trimmedRows: (shown, total) =>
      say(
        `… ${total - shown} de ${total} linhas omitidas para caber no limite do GitHub`,
        `… ${total - shown} of ${total} rows left out to fit GitHub's size limit`,
      ),
    trimmedLines: (shown, total) =>
      say(
        `… ${total - shown} de ${total} linhas omitidas para caber no limite do GitHub`,
        `… ${total - shown} of ${total} lines left out to fit GitHub's size limit`,
      ),
    evidenceOmitted: say(
      'Evidência omitida para caber no limite de tamanho do GitHub; veja o relatório JSON.',
      "Evidence left out to fit GitHub's size limit; see the JSON report.",
    ),
    reportTrimmed: say(
      'Relatório encurtado para caber no limite de tamanho do GitHub; veja o relatório JSON.',
      "Report shortened to fit GitHub's size limit; see the JSON report.",
    ),
    noRows: say('(vazio)', '(empty)'),
    chartNotDrawn: (points, maxPoints) =>
      say(
        `gráfico não desenhado: ${points} pontos, acima do limite de ${maxPoints}; veja a tabela`,
        `chart not drawn: ${points} points, over the limit of ${maxPoints}; see the table`,
      ),
    serviceLogs: {
      title: (lines) =>
        say(
          `📜 Logs dos serviços (últimas ${lines} linhas de cada)`,
          `📜 Service logs (last ${lines} lines of each)`,
        ),
      whereWhole: say(
        'Os logs completos ficam no log-dir (artefato do job).',
        "The whole logs are in the log-dir (the job's artifact).",
      ),
      unreadable: say('log ilegível', 'log unreadable'),
      omitted: say(
        'Logs dos serviços omitidos para caber no limite de tamanho do GitHub; veja o relatório JSON.',
        "Service logs left out to fit GitHub's size limit; see the JSON report.",
      ),
    },
  };
}

const CATALOGUE: Record<Language, Messages> = {
  'pt-BR': messages(localize('pt-BR')),
  en: messages(localize('en')),
};

export function messagesFor(language: Language): Messages {
  return CATALOGUE[language];
}

/** A check's display name; an id this build does not know is shown as itself. */
export function checkName(messages: Messages, id: string): string {
  return (messages.checkNames as Record<string, string>)[id] ?? id;
}
