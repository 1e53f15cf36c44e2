import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openFiiRepository, type FiiRepository } from '../../src/api/sql/fii-repository.js';
import { SEED_FUNDS, SEED_POSITIONS } from '../../src/api/sql/seed.js';

let repository: FiiRepository;
before(async () => {
  repository = await openFiiRepository();
});

test('the sample seed is loaded: every fund has a latest quote, a last dividend and a 12-month yield', () => {
  assert.deepEqual(repository.tickers(), SEED_FUNDS.map((f) => f.ticker).sort());
  const mxrf = repository.snapshot('MXRF11')!;
  assert.deepEqual(mxrf.quote, { date: '2024-12-30', close: 10.36 });
  assert.deepEqual(mxrf.lastDividend, { date: '2024-12-13', amount: 0.101 });
  assert.equal(mxrf.dividends12m, 1.207);
  assert.equal(mxrf.dividendYield12m, 11.65);
  assert.equal(repository.snapshot('ABCD11'), undefined);
});

test('history returns the last N months, oldest first', () => {
  const history = repository.history('HGLG11', 3)!;
  assert.deepEqual(
    history.quotes.map((q) => q.date),
    ['2024-10-31', '2024-11-29', '2024-12-30'],
  );
  assert.equal(history.dividends.length, 3);
  assert.equal(repository.history('ABCD11', 3), undefined);
});

test('positions belong to one client only; hostile ids are bound as values, not SQL', () => {
  const a = repository.positions('client-a');
  const b = repository.positions('client-b');
  assert.deepEqual(
    a.map((p) => p.ticker),
    ['HGLG11', 'MXRF11'],
  );
  assert.deepEqual(
    b.map((p) => p.ticker),
    ['BTLG11', 'KNRI11', 'XPML11'],
  );
  assert.equal(a.length, SEED_POSITIONS.filter((p) => p.clientId === 'client-a').length);
  assert.deepEqual(repository.positions("client-a' OR '1'='1"), []);
  assert.deepEqual(repository.positions('nobody'), []);
  // Still intact after the attempt.
  assert.equal(repository.positions('client-b').length, 3);
});

test('a demo-… id the seed does not know opens with its own sample portfolio, the same on every replica', async () => {
  const first = repository.positions('demo-run1-c');
  assert.equal(first.length, 2);
  assert.ok(first.every((p) => p.quantity >= 100 && p.quantity < 10_000 && p.currentPrice > 0));
  // Another repository (another replica) derives the same; another id gets other figures.
  const other = await openFiiRepository();
  assert.deepEqual(other.positions('demo-run1-c'), first);
  const second = repository.positions('demo-run1-d');
  assert.notDeepEqual(
    second.map((p) => p.quantity),
    first.map((p) => p.quantity),
  );
  // Only demo ids: anyone else the seed does not know still holds nothing.
  assert.deepEqual(repository.positions('nobody-run1'), []);
});
