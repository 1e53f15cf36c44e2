/**
 * The report's languages, and the one way every human-facing sentence of the gate is put in one of
 * them: written in both languages where it is made, `say('…pt-BR…', '…en…')`, so the logic and its
 * wording stay side by side. The checks call `say` inline; the renderers' fixed words are catalogues
 * built with the same `say` (messages.ts, trend-messages.ts). Stage-supplied text is never translated.
 */

/** Every language a report can be written in; the first is the default. */
export const LANGUAGES = ['pt-BR', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export type Say = (ptBr: string, en: string) => string;

export function localize(language: Language): Say {
  return (ptBr, en) => (language === 'en' ? en : ptBr);
}

/** For logs and errors meant for developers, which are in English. */
export const inEnglish: Say = localize('en');
