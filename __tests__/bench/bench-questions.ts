/**
 * The questions the bench asks. The reference planner keys a plan by intent, funds and parameters
 * (never by wording), so a fresh cache key needs a fresh plan: each single-flight repetition asks for
 * the history of another fund or another window ("history of 7 months of KNRI11"), a plan with data
 * that the narrator (the LLM) phrases — a real cold miss, SQL and LLM, on a stage booted for this run.
 */
import type { AskRequest } from '../../src/contract/index.js';

/** Funds seeded in the reference stage's database. */
export const SEEDED_TICKERS = [
  'MXRF11',
  'HGLG11',
  'KNRI11',
  'XPML11',
  'VISC11',
  'KNCR11',
  'BTLG11',
  'HGRU11',
];
const MAX_HISTORY_MONTHS = 12;

/** A distinct history plan per index (0 ≤ index < 96). */
export function coldQuestion(index: number): string {
  const plans = SEEDED_TICKERS.length * MAX_HISTORY_MONTHS;
  if (!Number.isInteger(index) || index < 0 || index >= plans)
    throw new Error(`cold question index must be a whole number from 0 to ${plans - 1}, got ${index}`);
  const ticker = SEEDED_TICKERS[index % SEEDED_TICKERS.length]!;
  const months = Math.floor(index / SEEDED_TICKERS.length) + 1;
  return `Qual o histórico de ${months} ${months === 1 ? 'mês' : 'meses'} do ${ticker}?`;
}

/** 24 public plans (price, last dividend, yield of each fund): the working set of the cached-ask load. */
export function warmQuestions(): string[] {
  return SEEDED_TICKERS.flatMap((ticker) => [
    `Qual o preço atual do ${ticker}?`,
    `Quanto o ${ticker} pagou de dividendos?`,
    `Qual o dividend yield do ${ticker}?`,
  ]);
}

export function askBody(question: string, client: string): AskRequest {
  return { question, conversation_id: `bench-${client}`, client_id: `bench-${client}`, nickname: 'bench' };
}
