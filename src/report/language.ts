/**
 * The report's two languages, and the one way the gate's sentences are put in one of them: each written
 * in both languages where it is made (`say('…pt-BR…', '…en…')`), so the logic and its wording stay side
 * by side. The renderers' fixed words live in i18n.ts; stage-supplied text is never translated.
 */
import type { GateReport } from './model.js';

export const LANGUAGES = ['pt-BR', 'en'] as const;
export type Language = GateReport['language'];
export type Say = (ptBr: string, en: string) => string;

export function localize(language: Language): Say {
  return (ptBr, en) => (language === 'en' ? en : ptBr);
}

/** For logs and errors meant for developers, which are in English. */
export const inEnglish: Say = localize('en');
