import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveClientId } from '../../src/checks/client-id.js';

test('client id templates get the per-run token', () => {
  assert.equal(resolveClientId('gate-a-{run}', 'r1'), 'gate-a-r1');
  assert.equal(resolveClientId('fixed', 'r1'), 'fixed');
});
