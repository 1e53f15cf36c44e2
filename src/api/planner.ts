/**
 * Turns a Portuguese question into a plan: what is asked (intent), about which funds (entities), and
 * the few parameters that change the answer. The plan — never the raw text — is what gets cached, so
 * "Qual o preço atual do MXRF11?" and "quanto está custando o mxrf11" land on the same cache entry.
 */

export const INTENTS = [
  'current_price',
  'last_dividend',
  'dividend_yield',
  'history',
  'comparison',
  /** The asking client's own positions: a private plan, keyed per client. */
  'portfolio',
  /** Free-form question that only the LLM can answer. */
  'explain',
] as const;
export type Intent = (typeof INTENTS)[number];

export interface Plan {
  /** Bumped when the meaning of a plan changes, so old cache entries are not reused. */
  version: 1;
  intent: Intent;
  /** Fund tickers, upper case, sorted, unique. */
  entities: string[];
  /** `private` plans read the asking client's data and are never shared between clients. */
  scope: 'public' | 'private';
  /** History window in months (history intent only). */
  months?: number;
  /** Normalised content words of the question (explain intent only): what the LLM is asked about. */
  topic?: string;
}

/** Intents whose answer cannot be produced without the LLM (no template fallback). */
export function requiresLlm(plan: Plan): boolean {
  return plan.intent === 'explain';
}

/** Lower case, accents stripped, punctuation to spaces, single spaces. */
function normalizeQuestion(question: string): string {
  return question
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** B3 fund tickers: four letters and 11–13 (units and subscription rights); `MXRF-11` is accepted too. */
const TICKER = /\b([a-z]{4})-?(1[1-3])\b/g;

export function extractTickers(question: string): string[] {
  const folded = question.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const found = new Set<string>();
  for (const match of folded.matchAll(TICKER)) found.add(`${match[1]}${match[2]}`.toUpperCase());
  return [...found].sort();
}

const PORTFOLIO =
  /\b(minha carteira|minhas carteiras|meus fiis?|meus fundos|minhas cotas|minha posicao|minhas posicoes|meu portfolio|meus investimentos|meus ativos|eu tenho|tenho quantas|quantas cotas tenho)\b/;
/**
 * Private without a possessive: the asker's holdings named by a first-person verb ("Quais fundos eu
 * possuo?", "Tenho MXRF11?", "O que comprei?") or the portfolio itself ("O que tem na carteira?"). Such a
 * question classified public would be answered once and shared with every client.
 */
const PORTFOLIO_PLAIN =
  /\b(possuo|possuimos|tenho|temos|investi|investimos|comprei|compramos|apliquei|na carteira|da carteira|a carteira)\b/;
/** "Tenho uma dúvida…": the verb without holdings. */
const NOT_HOLDINGS =
  /\b(tenho|temos) (uma|umas|duas|outra|alguma|algumas) (duvidas?|perguntas?|questao|questoes)\b/;
const COMPARISON = /\b(compar\w*|versus|vs|x|melhor|pior|diferenca|ou|entre)\b/;
const EXPLAIN =
  /\b(explique|explica|explicar|o que e|o que sao|o que significa|significa|por que|porque|por qual motivo|como funciona|como funcionam|vale a pena|devo|deveria|recomenda\w*|entender|conceito|riscos?)\b/;
const HISTORY = /\b(historico|historia|evolucao|variacao|ultimos|grafico|desempenho|trajetoria|serie)\b/;
const MONTHS = /\b(\d{1,2}) (meses|mes)\b/;
const YEAR = /\b(1 ano|um ano|ultimo ano|12 meses)\b/;
const YIELD =
  /\b(dividend yield|yield|dy|rendimento percentual|retorno em dividendos|taxa de distribuicao|rentabilidade)\b/;
const DIVIDEND = /\b(dividendos?|proventos?|rendimentos?|pagou|paga|pagamento|distribui\w*)\b/;
const PRICE =
  /\b(preco|precos|cotacao|cotacoes|valor|custa|custando|negociado|negociada|quanto esta|quanto ta)\b/;

const DEFAULT_HISTORY_MONTHS = 6;
const MAX_HISTORY_MONTHS = 12;

/** Words that carry no meaning for an explain topic; dropping them maps small rephrasings together. */
const STOPWORDS = new Set(
  (
    'a o as os um uma uns umas de do da dos das no na nos nas em por para pra com sem sobre e ou que qual quais ' +
    'me mim eu voce vc se ser sao e esta estao isso isto esse essa este esta ao aos pelo pela pelos pelas ' +
    'explique explica explicar favor porfavor ola oi bom dia tarde noite obrigado obrigada poderia pode'
  ).split(' '),
);

export function planQuestion(question: string): Plan {
  const text = normalizeQuestion(question);
  const entities = extractTickers(question);
  const base = { version: 1 as const, entities };

  if (PORTFOLIO.test(text) || (PORTFOLIO_PLAIN.test(text) && !NOT_HOLDINGS.test(text)))
    return { ...base, intent: 'portfolio', scope: 'private' };
  if (entities.length >= 2 && COMPARISON.test(text))
    return { ...base, intent: 'comparison', scope: 'public' };
  if (EXPLAIN.test(text))
    return { ...base, intent: 'explain', scope: 'public', topic: topicOf(text, entities) };
  if (HISTORY.test(text) || MONTHS.test(text) || YEAR.test(text))
    return { ...base, intent: 'history', scope: 'public', months: historyMonths(text) };
  if (YIELD.test(text)) return { ...base, intent: 'dividend_yield', scope: 'public' };
  if (DIVIDEND.test(text)) return { ...base, intent: 'last_dividend', scope: 'public' };
  // A bare ticker ("MXRF11?") or a price word: the current price is the most useful answer.
  if (PRICE.test(text) || entities.length > 0) return { ...base, intent: 'current_price', scope: 'public' };
  // Nothing to look up (e.g. "O que é um FII?"): only the LLM can answer.
  return { ...base, intent: 'explain', scope: 'public', topic: topicOf(text, entities) };
}

function historyMonths(text: string): number {
  if (YEAR.test(text)) return 12;
  const match = MONTHS.exec(text);
  const months = match ? Number(match[1]) : DEFAULT_HISTORY_MONTHS;
  return Math.min(MAX_HISTORY_MONTHS, Math.max(1, months));
}

function topicOf(text: string, entities: string[]): string {
  const tickers = new Set(entities.map((t) => t.toLowerCase()));
  return text
    .split(' ')
    .filter((word) => word && !STOPWORDS.has(word) && !tickers.has(word))
    .join(' ')
    .slice(0, 300);
}
