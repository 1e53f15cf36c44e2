/**
 * The named values the options take, each declared once: the rows (option-rows.ts) build their schema
 * and words from these, and the code that acts on an option imports the same names.
 */
import { RUN_PLACEHOLDER } from '../../checks/client-id.js';
import { ID_CHAR } from '../../contract/index.js';

// Declared with what acts on them: the fail policies with the verdict, the placeholder with the check.
export { FAIL_POLICIES, type FailPolicy } from '../../report/verdict.js';
export { RUN_PLACEHOLDER };

/**
 * `gate`: boot the stage, run the checks, report. `publish`: boot nothing; post a report an earlier
 * gate run wrote (the `workflow_run` half of the set-up for pull requests from forks).
 */
export const MODES = ['gate', 'publish'] as const;
export type Mode = (typeof MODES)[number];

/** Key of the sticky comment when neither comment-key nor the job id (GITHUB_JOB) is known. */
export const DEFAULT_COMMENT_KEY = 'stagegate';

/**
 * Several shapes (explain, compare, why, long free text), so a limiter that wraps only one code path
 * (say, questions starting "Explique") is caught: the first burst asks one of each within its first
 * four, the second burst starts further down the list. Every one plans as `explain` on the reference
 * stage (only the LLM can answer it), see __tests__/checks/narrator-questions.test.ts.
 */
export const DEFAULT_LLM_QUESTIONS = [
  'Explique o que é dividend yield em fundos imobiliários',
  'Compare FII de papel e FII de tijolo para quem busca renda mensal',
  'Por que o preço de um fundo imobiliário cai na data com?',
  'Estou começando a investir agora, guardei uma reserva de emergência e queria entender com calma como um fundo imobiliário gera renda ao longo dos anos, o que acontece quando um inquilino sai do imóvel e o que observar antes de comprar a primeira cota',
  'Explique a diferença entre FII de papel e FII de tijolo',
  'Compare fundos de fundos e fundos de tijolo quanto ao risco para um iniciante',
  'Por que alguns FIIs negociam abaixo do valor patrimonial?',
  'Explique o que é vacância física de um fundo imobiliário',
  'Explique como funciona a amortização de cotas de um FII',
  'Explique o que é o P/VP de um fundo imobiliário',
  'Explique o que é um fundo de fundos (FOF)',
  'Explique como o IFIX é calculado',
  'Explique a tributação dos rendimentos de FIIs para pessoa física',
  'Explique o que são CRIs no patrimônio de um FII',
  'Explique o que é a taxa de administração de um fundo imobiliário',
  'Explique o que é liquidez diária de um FII',
  'Explique o que significa um fundo imobiliário ser monoativo',
  'Compare um FII de shopping e um de galpões logísticos numa recessão',
  'Por que a cota de um fundo imobiliário oscila mesmo com o aluguel estável?',
  'Surgiram dúvidas sobre como declarar fundos imobiliários no imposto de renda todo ano e gostaria de entender quais informações o informe anual do fundo traz, como ficam as vendas com lucro e como funciona o recolhimento mensal quando há ganho de capital',
] as const;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The contract's client id alphabet, plus the run placeholder. */
export const CLIENT_ID_TEMPLATE = new RegExp(`^(${ID_CHAR}|${escapeRegExp(RUN_PLACEHOLDER)})+$`);
/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A dotted path into the JSON answer, e.g. `meta.compute.plan_cache_hit`. */
export const FIELD_PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;
/** A commit id: SHA-1 (40 hex digits) or SHA-256 (64). */
export const COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
