/**
 * Deterministic Portuguese sentences built from query results. They are both the facts handed to the
 * LLM (one per line) and the fallback answer when the LLM is overloaded or failing.
 */
import type { Plan } from './planner.js';
import type { FundHistory, FundSnapshot, Position } from './sql/fii-repository.js';
import { SAMPLE_DATA_NOTICE } from './sql/seed.js';

/** What the SQL step produced for a plan. */
export type PlanData =
  | { kind: 'funds'; snapshots: FundSnapshot[]; missing: string[]; known: string[] }
  | { kind: 'history'; histories: FundHistory[]; missing: string[]; known: string[]; months: number }
  | { kind: 'portfolio'; positions: Position[]; filter: string[] };

export interface RenderedAnswer {
  /** One fact per line, for the LLM prompt. Empty when there is nothing to phrase. */
  facts: string[];
  /** The full template answer. */
  text: string;
}

const brl = new Intl.NumberFormat('pt-BR', { style: 'currency', currency: 'BRL' });
const brlPrecise = new Intl.NumberFormat('pt-BR', {
  style: 'currency',
  currency: 'BRL',
  minimumFractionDigits: 2,
  maximumFractionDigits: 3,
});
const integer = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat('pt-BR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const money = (value: number) => brl.format(value).replace(/\u00a0/g, ' ');
const moneyPrecise = (value: number) => brlPrecise.format(value).replace(/\u00a0/g, ' ');
const pct = (value: number) => `${value >= 0 ? '+' : ''}${percent.format(value)}%`;
/** ISO date to dd/mm/yyyy. */
const day = (iso: string) => iso.split('-').reverse().join('/');

export function renderAnswer(plan: Plan, data: PlanData): RenderedAnswer {
  const facts = factsFor(plan, data);
  const text = facts.length > 0 ? `${facts.join(' ')} (${capitalize(SAMPLE_DATA_NOTICE)}.)` : '';
  return { facts, text };
}

function factsFor(plan: Plan, data: PlanData): string[] {
  if (data.kind === 'portfolio') return portfolioFacts(data);
  const lines: string[] = [];
  if (plan.entities.length === 0 && plan.intent !== 'explain')
    lines.push(`Diga qual fundo você quer consultar, por exemplo: ${data.known.join(', ')}.`);
  if (data.kind === 'history') {
    for (const history of data.histories) lines.push(historyFact(history, data.months));
  } else {
    for (const fund of data.snapshots) lines.push(...snapshotFacts(plan, fund));
    if (plan.intent === 'comparison' && data.snapshots.length >= 2)
      lines.push(comparisonVerdict(data.snapshots));
  }
  for (const ticker of data.missing) lines.push(`Não há dados de exemplo para ${ticker}.`);
  return lines;
}

function snapshotFacts(plan: Plan, fund: FundSnapshot): string[] {
  const price = `${fund.ticker} (${fund.name}) fechou a ${money(fund.quote.close)} em ${day(fund.quote.date)}.`;
  const dividend = fund.lastDividend
    ? `O último dividendo do ${fund.ticker} foi de ${moneyPrecise(fund.lastDividend.amount)} por cota, pago em ${day(fund.lastDividend.date)}.`
    : `O ${fund.ticker} não pagou dividendos no período dos dados.`;
  const yieldFact =
    `O dividend yield de 12 meses do ${fund.ticker} é de ${percent.format(fund.dividendYield12m)}% ` +
    `(${moneyPrecise(fund.dividends12m)} por cota em dividendos sobre o preço de ${money(fund.quote.close)}).`;
  switch (plan.intent) {
    case 'current_price':
      return [price];
    case 'last_dividend':
      return [dividend];
    case 'dividend_yield':
      return [yieldFact];
    case 'comparison':
      return [
        `${fund.ticker}: preço ${money(fund.quote.close)}, último dividendo ` +
          `${fund.lastDividend ? moneyPrecise(fund.lastDividend.amount) : 'nenhum'}, DY 12 meses ${percent.format(fund.dividendYield12m)}%, segmento ${fund.segment}.`,
      ];
    default:
      // Context for an explain question about named funds.
      return [
        `${fund.ticker} (${fund.name}, segmento ${fund.segment}, gestora ${fund.manager}).`,
        price,
        yieldFact,
      ];
  }
}

function comparisonVerdict(funds: FundSnapshot[]): string {
  const best = [...funds].sort((a, b) => b.dividendYield12m - a.dividendYield12m)[0]!;
  return `Pelo dividend yield de 12 meses, o maior é o do ${best.ticker} (${percent.format(best.dividendYield12m)}%).`;
}

function historyFact(history: FundHistory, months: number): string {
  const first = history.quotes[0];
  const last = history.quotes.at(-1);
  if (!first || !last) return `Não há cotações de exemplo para ${history.ticker}.`;
  const change = first.close > 0 ? ((last.close - first.close) / first.close) * 100 : 0;
  const paid = history.dividends.reduce((sum, d) => sum + d.amount, 0);
  return (
    `Nos últimos ${months} ${months === 1 ? 'mês' : 'meses'}, o ${history.ticker} foi de ${money(first.close)} ` +
    `(${day(first.date)}) para ${money(last.close)} (${day(last.date)}), variação de ${pct(change)}; ` +
    `os dividendos somaram ${moneyPrecise(paid)} por cota.`
  );
}

function portfolioFacts(data: Extract<PlanData, { kind: 'portfolio' }>): string[] {
  const positions =
    data.filter.length > 0 ? data.positions.filter((p) => data.filter.includes(p.ticker)) : data.positions;
  if (positions.length === 0) {
    return data.filter.length > 0
      ? [`Você não tem cotas de ${data.filter.join(', ')} na sua carteira.`]
      : ['Você ainda não tem posições em FIIs na sua carteira.'];
  }
  const lines = positions.map((p) => {
    const value = p.quantity * p.currentPrice;
    const change = p.averagePrice > 0 ? ((p.currentPrice - p.averagePrice) / p.averagePrice) * 100 : 0;
    return (
      `Você tem ${integer.format(p.quantity)} cotas de ${p.ticker} (preço médio ${money(p.averagePrice)}, ` +
      `cotação ${money(p.currentPrice)}, valor ${money(value)}, ${pct(change)}).`
    );
  });
  const total = positions.reduce((sum, p) => sum + p.quantity * p.currentPrice, 0);
  const income = positions.reduce((sum, p) => sum + p.quantity * p.lastDividend, 0);
  lines.push(`Valor total: ${money(total)}; renda mensal estimada pelo último dividendo: ${money(income)}.`);
  return lines;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
