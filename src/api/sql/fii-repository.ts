/**
 * The embedded SQL database (sql.js: SQLite compiled to WebAssembly, in memory) and the only queries the
 * API runs against it. Created from the sample seed at start. Every statement is parameterised: values
 * from a question (tickers, client ids) are bound, never spliced into SQL text.
 */
import type { Database, SqlValue } from 'sql.js';
import { loadSqlJs } from './load-sql-js.js';
import {
  demoPositions,
  SEED_CLOSES,
  SEED_DIVIDEND_DATES,
  SEED_DIVIDENDS,
  SEED_FUNDS,
  SEED_POSITIONS,
  SEED_QUOTE_DATES,
} from './seed.js';

export interface Quote {
  date: string;
  close: number;
}

export interface Dividend {
  date: string;
  amount: number;
}

export interface FundSnapshot {
  ticker: string;
  name: string;
  segment: string;
  manager: string;
  /** Latest quote of the sample series. */
  quote: Quote;
  lastDividend: Dividend | undefined;
  /** Sum of the dividends of the last 12 months, per share. */
  dividends12m: number;
  /** dividends12m / current price, in percent. */
  dividendYield12m: number;
}

export interface FundHistory {
  ticker: string;
  quotes: Quote[];
  dividends: Dividend[];
}

export interface Position {
  ticker: string;
  name: string;
  quantity: number;
  averagePrice: number;
  currentPrice: number;
  lastDividend: number;
}

export interface FiiRepository {
  /** Everything the answers need about one fund, or undefined when the ticker is not in the data. */
  snapshot(ticker: string): FundSnapshot | undefined;
  /** The last `months` monthly closes and dividends, oldest first. */
  history(ticker: string, months: number): FundHistory | undefined;
  /** Positions of one client, with current prices. Empty for a client without positions. */
  positions(clientId: string): Position[];
  tickers(): string[];
}

const SCHEMA = `
CREATE TABLE funds (
  ticker TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  segment TEXT NOT NULL,
  manager TEXT NOT NULL
);
CREATE TABLE quotes (
  ticker TEXT NOT NULL REFERENCES funds(ticker),
  quote_date TEXT NOT NULL,
  close REAL NOT NULL,
  PRIMARY KEY (ticker, quote_date)
);
CREATE TABLE dividends (
  ticker TEXT NOT NULL REFERENCES funds(ticker),
  pay_date TEXT NOT NULL,
  amount REAL NOT NULL,
  PRIMARY KEY (ticker, pay_date)
);
CREATE TABLE positions (
  client_id TEXT NOT NULL,
  ticker TEXT NOT NULL REFERENCES funds(ticker),
  quantity INTEGER NOT NULL,
  average_price REAL NOT NULL,
  PRIMARY KEY (client_id, ticker)
);
`;

export async function openFiiRepository(): Promise<FiiRepository> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.exec(SCHEMA);
  seed(db);
  return new SqlFiiRepository(db);
}

function seed(db: Database): void {
  db.exec('BEGIN');
  const insertFund = db.prepare('INSERT INTO funds (ticker, name, segment, manager) VALUES (?, ?, ?, ?)');
  const insertQuote = db.prepare('INSERT INTO quotes (ticker, quote_date, close) VALUES (?, ?, ?)');
  const insertDividend = db.prepare('INSERT INTO dividends (ticker, pay_date, amount) VALUES (?, ?, ?)');
  const insertPosition = db.prepare(
    'INSERT INTO positions (client_id, ticker, quantity, average_price) VALUES (?, ?, ?, ?)',
  );
  try {
    for (const fund of SEED_FUNDS) {
      insertFund.run([fund.ticker, fund.name, fund.segment, fund.manager]);
      SEED_CLOSES[fund.ticker]?.forEach((close, i) =>
        insertQuote.run([fund.ticker, SEED_QUOTE_DATES[i]!, close]),
      );
      SEED_DIVIDENDS[fund.ticker]?.forEach((amount, i) =>
        insertDividend.run([fund.ticker, SEED_DIVIDEND_DATES[i]!, amount]),
      );
    }
    for (const p of SEED_POSITIONS) insertPosition.run([p.clientId, p.ticker, p.quantity, p.averagePrice]);
    db.exec('COMMIT');
  } finally {
    for (const statement of [insertFund, insertQuote, insertDividend, insertPosition]) statement.free();
  }
}

class SqlFiiRepository implements FiiRepository {
  constructor(private readonly db: Database) {}

  snapshot(ticker: string): FundSnapshot | undefined {
    const fund = this.one('SELECT ticker, name, segment, manager FROM funds WHERE ticker = ?', [ticker]);
    if (!fund) return undefined;
    const quote = this.one(
      'SELECT quote_date, close FROM quotes WHERE ticker = ? ORDER BY quote_date DESC LIMIT 1',
      [ticker],
    );
    if (!quote) return undefined;
    const last = this.one(
      'SELECT pay_date, amount FROM dividends WHERE ticker = ? ORDER BY pay_date DESC LIMIT 1',
      [ticker],
    );
    // The 12 months before the latest quote.
    const sum = this.one(
      `SELECT COALESCE(SUM(amount), 0) AS total FROM dividends
        WHERE ticker = ? AND pay_date > date(?, '-12 months') AND pay_date <= ?`,
      [ticker, quote.quote_date as string, quote.quote_date as string],
    );
    const price = Number(quote.close);
    const dividends12m = round(Number(sum?.total ?? 0), 4);
    return {
      ticker: String(fund.ticker),
      name: String(fund.name),
      segment: String(fund.segment),
      manager: String(fund.manager),
      quote: { date: String(quote.quote_date), close: price },
      lastDividend: last ? { date: String(last.pay_date), amount: Number(last.amount) } : undefined,
      dividends12m,
      dividendYield12m: price > 0 ? round((dividends12m / price) * 100, 2) : 0,
    };
  }

  history(ticker: string, months: number): FundHistory | undefined {
    if (!this.one('SELECT 1 AS found FROM funds WHERE ticker = ?', [ticker])) return undefined;
    const quotes = this.all(
      'SELECT quote_date, close FROM quotes WHERE ticker = ? ORDER BY quote_date DESC LIMIT ?',
      [ticker, months],
    )
      .map((r) => ({ date: String(r.quote_date), close: Number(r.close) }))
      .reverse();
    const dividends = this.all(
      'SELECT pay_date, amount FROM dividends WHERE ticker = ? ORDER BY pay_date DESC LIMIT ?',
      [ticker, months],
    )
      .map((r) => ({ date: String(r.pay_date), amount: Number(r.amount) }))
      .reverse();
    return { ticker, quotes, dividends };
  }

  positions(clientId: string): Position[] {
    this.openDemoAccount(clientId);
    return this.all(
      `SELECT p.ticker, f.name, p.quantity, p.average_price,
              (SELECT close FROM quotes q WHERE q.ticker = p.ticker ORDER BY quote_date DESC LIMIT 1) AS current_price,
              (SELECT amount FROM dividends d WHERE d.ticker = p.ticker ORDER BY pay_date DESC LIMIT 1) AS last_dividend
         FROM positions p JOIN funds f ON f.ticker = p.ticker
        WHERE p.client_id = ?
        ORDER BY p.ticker`,
      [clientId],
    ).map((r) => ({
      ticker: String(r.ticker),
      name: String(r.name),
      quantity: Number(r.quantity),
      averagePrice: Number(r.average_price),
      currentPrice: Number(r.current_price ?? 0),
      lastDividend: Number(r.last_dividend ?? 0),
    }));
  }

  /** A demo id the seed does not know gets its derived sample portfolio, once (see DEMO_CLIENT_PREFIX). */
  private openDemoAccount(clientId: string): void {
    const demo = demoPositions(clientId);
    if (demo.length === 0) return;
    if (this.all('SELECT 1 FROM positions WHERE client_id = ? LIMIT 1', [clientId]).length > 0) return;
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO positions (client_id, ticker, quantity, average_price) VALUES (?, ?, ?, ?)',
    );
    try {
      for (const p of demo) insert.run([p.clientId, p.ticker, p.quantity, p.averagePrice]);
    } finally {
      insert.free();
    }
  }

  tickers(): string[] {
    return this.all('SELECT ticker FROM funds ORDER BY ticker', []).map((r) => String(r.ticker));
  }

  private one(sql: string, params: SqlValue[]): Record<string, SqlValue> | undefined {
    return this.all(sql, params)[0];
  }

  private all(sql: string, params: SqlValue[]): Record<string, SqlValue>[] {
    const statement = this.db.prepare(sql);
    try {
      statement.bind(params);
      const rows: Record<string, SqlValue>[] = [];
      while (statement.step()) rows.push(statement.getAsObject());
      return rows;
    } finally {
      statement.free();
    }
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
