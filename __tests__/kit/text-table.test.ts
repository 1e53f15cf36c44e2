import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignColumns, formatTable } from '../../src/kit/text-table.js';

test('alignColumns: each column padded to its widest cell, two spaces apart, the last column as it is', () => {
  assert.deepEqual(
    alignColumns([
      ['NAME', 'STATE', 'DETAIL'],
      ['api-1', 'running', 'ok'],
      ['redis', 'exited', 'exit code 1'],
    ]),
    ['NAME   STATE    DETAIL', 'api-1  running  ok', 'redis  exited   exit code 1'],
  );
});

test('alignColumns: no trailing spaces when the last cells are empty, and rows may be shorter', () => {
  const lines = alignColumns([['a', 'bb', ''], ['ccc', ''], ['d']]);
  assert.deepEqual(lines, ['a    bb', 'ccc', 'd']);
  for (const line of lines) assert.equal(line, line.trimEnd());
});

test('formatTable: the aligned lines as one block; no rows is an empty text', () => {
  assert.equal(
    formatTable([
      ['k', 'v'],
      ['key', 'value'],
    ]),
    'k    v\nkey  value',
  );
  assert.equal(formatTable([]), '');
});
