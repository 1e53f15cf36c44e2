import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AskRequestSchema, ASK_LIMITS } from '../../src/contract/index.js';

test('a well-formed ask is accepted and trimmed', () => {
  const parsed = AskRequestSchema.parse({
    question: '  Qual o preço atual do MXRF11? ',
    conversation_id: 'c-1',
    client_id: 'client-a',
    nickname: 'Ana',
  });
  assert.equal(parsed.question, 'Qual o preço atual do MXRF11?');
});

test('unknown fields, wrong types and oversize questions are refused with a message naming the field', () => {
  const base = { question: 'oi', conversation_id: 'c', client_id: 'a', nickname: 'n' };
  const extra = AskRequestSchema.safeParse({ ...base, admin: true });
  assert.equal(extra.success, false);
  const wrongType = AskRequestSchema.safeParse({ ...base, client_id: 42 });
  assert.equal(wrongType.success, false);
  assert.match(wrongType.error!.issues[0]!.message, /client_id must be a string/);
  const huge = AskRequestSchema.safeParse({ ...base, question: 'x'.repeat(ASK_LIMITS.questionMaxChars + 1) });
  assert.equal(huge.success, false);
  assert.match(huge.error!.issues[0]!.message, /at most/);
});
