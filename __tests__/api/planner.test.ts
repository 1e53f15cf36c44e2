import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractTickers, planQuestion, requiresLlm, type Plan } from '../../src/api/planner.js';
import { canonicalJson } from '../../src/api/plan-cache.js';

/** Paraphrase groups: every question of a group must yield the same plan, and groups must differ. */
const GROUPS: Array<{ expected: Partial<Plan>; questions: string[] }> = [
  {
    expected: { intent: 'current_price', entities: ['MXRF11'], scope: 'public' },
    questions: [
      'Qual o preço atual do MXRF11?',
      'qual o preco atual do mxrf11',
      'QUAL O PREÇO ATUAL DO MXRF11???',
      'Quanto está custando o MXRF11 hoje?',
      'cotação mxrf11',
      'MXRF-11 preço',
      'mxrf11?',
      '  Qual   é o valor do   Mxrf11  ',
    ],
  },
  {
    expected: { intent: 'last_dividend', entities: ['HGLG11'] },
    questions: [
      'Qual foi o último dividendo do HGLG11?',
      'quanto o hglg11 pagou de rendimento',
      'Último provento do HGLG11',
      'O HGLG11 distribuiu quanto no último mês?',
    ],
  },
  {
    expected: { intent: 'dividend_yield', entities: ['KNRI11'] },
    questions: [
      'Qual o dividend yield do KNRI11?',
      'DY do knri11',
      'yield knri11',
      'rentabilidade do KNRI11',
    ],
  },
  {
    expected: { intent: 'history', entities: ['VISC11'], months: 3 },
    questions: [
      'Histórico do VISC11 nos últimos 3 meses',
      'evolução do visc11 em 3 meses',
      'VISC11 últimos 3 meses',
    ],
  },
  {
    expected: { intent: 'history', entities: ['XPML11'], months: 12 },
    questions: ['Histórico do XPML11 no último ano', 'evolução do XPML11 em 12 meses'],
  },
  {
    expected: { intent: 'comparison', entities: ['HGLG11', 'MXRF11'] },
    questions: [
      'Compare MXRF11 e HGLG11',
      'HGLG11 vs MXRF11',
      'MXRF11 ou HGLG11, qual é melhor?',
      'Qual a diferença entre hglg11 e mxrf11?',
    ],
  },
  {
    expected: { intent: 'portfolio', entities: [], scope: 'private' },
    questions: [
      'Como está minha carteira?',
      'como esta minha carteira',
      'Mostre meus FIIs',
      'quais são meus fundos?',
      'Minha posição',
    ],
  },
  {
    expected: { intent: 'portfolio', entities: ['MXRF11'], scope: 'private' },
    questions: ['Quantas cotas de MXRF11 eu tenho?', 'minhas cotas de mxrf11'],
  },
];

test('paraphrases, case and accents map to the same plan', () => {
  const planKeys = new Set<string>();
  for (const group of GROUPS) {
    const plans = group.questions.map((q) => planQuestion(q));
    for (const [i, plan] of plans.entries()) {
      for (const [field, value] of Object.entries(group.expected))
        assert.deepEqual(plan[field as keyof Plan], value, `"${group.questions[i]}" → ${field}`);
      assert.equal(
        canonicalJson(plan),
        canonicalJson(plans[0]),
        `"${group.questions[i]}" differs from its group`,
      );
    }
    planKeys.add(canonicalJson(plans[0]));
  }
  assert.equal(planKeys.size, GROUPS.length, 'different questions give different plans');
});

test('explain questions keep their topic, so different topics never share a plan', () => {
  const fii = planQuestion('O que é um FII?');
  const fiiAgain = planQuestion('o que e um fii');
  const vacancy = planQuestion('O que é vacância?');
  assert.equal(fii.intent, 'explain');
  assert.ok(requiresLlm(fii));
  assert.equal(canonicalJson(fii), canonicalJson(fiiAgain));
  assert.notEqual(canonicalJson(fii), canonicalJson(vacancy));
  const why = planQuestion('Por que o MXRF11 caiu?');
  assert.equal(why.intent, 'explain');
  assert.deepEqual(why.entities, ['MXRF11']);
  assert.equal(planQuestion('Vale a pena investir em FIIs de papel?').intent, 'explain');
});

test('data questions do not need the LLM; portfolio is the only private intent', () => {
  for (const group of GROUPS) {
    const plan = planQuestion(group.questions[0]!);
    assert.equal(requiresLlm(plan), false);
    assert.equal(plan.scope, plan.intent === 'portfolio' ? 'private' : 'public');
  }
});

test('tickers: four letters and 11–13, not words followed by numbers', () => {
  assert.deepEqual(extractTickers('mxrf11, HGLG11 e knri-11'), ['HGLG11', 'KNRI11', 'MXRF11']);
  assert.deepEqual(extractTickers('Histórico dos últimos 12 meses para 12 fundos'), []);
  assert.deepEqual(extractTickers('ABCD14 não é um FII'), []);
});

test('private questions without a possessive are private too (a public one would be shared)', () => {
  for (const question of [
    'Quais FIIs eu tenho?',
    'Quais fundos eu possuo?',
    'Tenho MXRF11?',
    'O que tenho na carteira?',
    'Qual o valor das cotas que possuo?',
    'Quanto investi em FIIs?',
  ]) {
    const plan = planQuestion(question);
    assert.equal(plan.scope, 'private', question);
    assert.equal(plan.intent, 'portfolio', question);
  }
  // The verb without holdings stays what the question is about.
  assert.equal(planQuestion('Tenho uma dúvida: o que é dividend yield?').scope, 'public');
  assert.equal(planQuestion('Qual o preço atual do MXRF11?').scope, 'public');
});
