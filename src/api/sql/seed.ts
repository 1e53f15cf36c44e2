/**
 * SAMPLE DATA. The funds are real Brazilian FII tickers, but every price, dividend and position below is
 * made up for demonstration and testing — it is not market data and must not be used to invest.
 * The embedded database is created from this module at start, so every replica holds the same data.
 */

export interface SeedFund {
  ticker: string;
  name: string;
  segment: string;
  manager: string;
}

export interface SeedPosition {
  clientId: string;
  ticker: string;
  quantity: number;
  /** Average purchase price per share, in BRL. */
  averagePrice: number;
}

export const SAMPLE_DATA_NOTICE = 'dados de exemplo, não são cotações reais';

export const SEED_FUNDS: readonly SeedFund[] = [
  { ticker: 'MXRF11', name: 'Maxi Renda FII', segment: 'Papel (recebíveis)', manager: 'XP Vista' },
  { ticker: 'HGLG11', name: 'CSHG Logística FII', segment: 'Logística', manager: 'Pátria' },
  { ticker: 'KNRI11', name: 'Kinea Renda Imobiliária FII', segment: 'Híbrido', manager: 'Kinea' },
  { ticker: 'XPML11', name: 'XP Malls FII', segment: 'Shoppings', manager: 'XP Asset' },
  { ticker: 'VISC11', name: 'Vinci Shopping Centers FII', segment: 'Shoppings', manager: 'Vinci Partners' },
  { ticker: 'KNCR11', name: 'Kinea Rendimentos Imobiliários FII', segment: 'Papel (CRI)', manager: 'Kinea' },
  { ticker: 'BTLG11', name: 'BTG Pactual Logística FII', segment: 'Logística', manager: 'BTG Pactual' },
  { ticker: 'HGRU11', name: 'CSHG Renda Urbana FII', segment: 'Renda urbana', manager: 'Pátria' },
];

/** Month-end quote dates of the sample series; the last one is "today" for current prices. */
// prettier-ignore
export const SEED_QUOTE_DATES: readonly string[] = [
  '2024-01-31', '2024-02-29', '2024-03-28', '2024-04-30', '2024-05-31', '2024-06-28',
  '2024-07-31', '2024-08-30', '2024-09-30', '2024-10-31', '2024-11-29', '2024-12-30',
];

/** Closing price per share (BRL) on each of SEED_QUOTE_DATES. */
// prettier-ignore
export const SEED_CLOSES: Readonly<Record<string, readonly number[]>> = {
  MXRF11: [10.45, 10.64, 10.79, 10.87, 10.88, 10.81, 10.68, 10.53, 10.39, 10.31, 10.29, 10.36],
  HGLG11: [164.26, 164.94, 164.42, 162.68, 159.96, 156.72, 153.54, 150.99, 149.49, 149.23, 150.13, 151.84],
  KNRI11: [164.46, 164.03, 162.54, 160.38, 158.1, 156.28, 155.4, 155.72, 157.25, 159.71, 162.62, 165.42],
  XPML11: [114.87, 112.77, 110.47, 108.37, 106.85, 106.14, 106.3, 107.2, 108.53, 109.9, 110.9, 111.22],
  VISC11: [118.0, 116.39, 115.28, 114.97, 115.58, 117.03, 119.05, 121.24, 123.16, 124.45, 124.87, 124.37],
  KNCR11: [98.02, 96.93, 96.61, 97.04, 98.04, 99.3, 100.44, 101.12, 101.1, 100.3, 98.8, 96.85],
  BTLG11: [97.98, 98.81, 100.29, 102.12, 103.95, 105.41, 106.24, 106.27, 105.57, 104.32, 102.84, 101.53],
  HGRU11: [122.57, 123.99, 125.54, 126.78, 127.3, 126.89, 125.53, 123.4, 120.87, 118.39, 116.4, 115.24],
};

/** Payment dates of the monthly dividends. */
// prettier-ignore
export const SEED_DIVIDEND_DATES: readonly string[] = [
  '2024-01-15', '2024-02-15', '2024-03-15', '2024-04-15', '2024-05-15', '2024-06-14',
  '2024-07-15', '2024-08-15', '2024-09-13', '2024-10-15', '2024-11-14', '2024-12-13',
];

/** Dividend per share (BRL) paid on each of SEED_DIVIDEND_DATES. */
// prettier-ignore
export const SEED_DIVIDENDS: Readonly<Record<string, readonly number[]>> = {
  MXRF11: [0.104, 0.103, 0.101, 0.098, 0.096, 0.096, 0.098, 0.1, 0.103, 0.104, 0.103, 0.101],
  HGLG11: [1.14, 1.12, 1.09, 1.06, 1.06, 1.07, 1.1, 1.12, 1.14, 1.14, 1.12, 1.09],
  KNRI11: [1.02, 0.99, 0.97, 0.96, 0.97, 0.99, 1.02, 1.04, 1.04, 1.02, 1.0, 0.97],
  XPML11: [0.92, 0.9, 0.88, 0.89, 0.91, 0.93, 0.95, 0.96, 0.95, 0.92, 0.9, 0.89],
  VISC11: [0.78, 0.77, 0.77, 0.78, 0.8, 0.82, 0.83, 0.83, 0.81, 0.79, 0.77, 0.77],
  KNCR11: [1.01, 1.01, 1.02, 1.05, 1.08, 1.09, 1.09, 1.07, 1.04, 1.02, 1.01, 1.02],
  BTLG11: [0.73, 0.74, 0.75, 0.77, 0.79, 0.79, 0.78, 0.76, 0.74, 0.73, 0.73, 0.75],
  HGRU11: [0.92, 0.94, 0.96, 0.98, 0.99, 0.98, 0.95, 0.93, 0.91, 0.92, 0.93, 0.96],
};

/**
 * Sample clients' positions. They differ on purpose (no fund in common between client-a and client-b),
 * so a leak of one client's portfolio answer into another's is visible in the text.
 */
export const SEED_POSITIONS: readonly SeedPosition[] = [
  { clientId: 'client-a', ticker: 'MXRF11', quantity: 1500, averagePrice: 10.12 },
  { clientId: 'client-a', ticker: 'HGLG11', quantity: 40, averagePrice: 158.3 },
  { clientId: 'client-b', ticker: 'KNRI11', quantity: 120, averagePrice: 151.2 },
  { clientId: 'client-b', ticker: 'XPML11', quantity: 60, averagePrice: 108.9 },
  { clientId: 'client-b', ticker: 'BTLG11', quantity: 25, averagePrice: 99.4 },
  { clientId: 'client-c', ticker: 'VISC11', quantity: 80, averagePrice: 112.75 },
  { clientId: 'client-c', ticker: 'KNCR11', quantity: 100, averagePrice: 97.6 },
  { clientId: 'client-c', ticker: 'HGRU11', quantity: 30, averagePrice: 121.0 },
  { clientId: 'demo', ticker: 'MXRF11', quantity: 100, averagePrice: 10.5 },
  { clientId: 'demo', ticker: 'KNRI11', quantity: 10, averagePrice: 160.0 },
];

/**
 * Demo accounts: a client id starting with this prefix that the seed does not know opens with a sample
 * portfolio derived from its id, as a broker's demo account does. So a fresh client (a per-run id of the
 * gate's private-isolation check) holds identifying private data, like a real client would.
 */
export const DEMO_CLIENT_PREFIX = 'demo-';

/** FNV-1a: a small stable hash, so every replica derives the same demo portfolio for an id. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The demo portfolio of an id: two funds, quantities and prices of its own (SAMPLE DATA). */
export function demoPositions(clientId: string): SeedPosition[] {
  if (!clientId.startsWith(DEMO_CLIENT_PREFIX)) return [];
  const hash = hashOf(clientId);
  const first = hash % SEED_FUNDS.length;
  const second = (first + 1 + ((hash >>> 8) % (SEED_FUNDS.length - 1))) % SEED_FUNDS.length;
  return [first, second].map((fund, index) => {
    const ticker = SEED_FUNDS[fund]!.ticker;
    const closes = SEED_CLOSES[ticker]!;
    // Quantities of 3–4 digits, different per id: what makes one client's answer its own.
    const quantity = 100 + (((hash >>> (index * 11)) & 0x1fff) % 9000);
    return { clientId, ticker, quantity, averagePrice: closes[(hash >>> (index * 5)) % closes.length]! };
  });
}
