/* eslint-disable no-control-regex -- these tests look for control characters and escape sequences */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTerminal } from '../../src/report/terminal-renderer.js';
import { allPassing, bootFailed, check, sampleReport } from './report-fixtures.js';

test('plain text lists each check under its status with reason and evidence, and the conclusion', () => {
  const text = renderTerminal(sampleReport());
  assert.doesNotMatch(text, /\u001b\[/, 'no colour unless asked');
  assert.match(text, /✅ O que passou\n✅ Stage no ar \(stage-up\) — PASSOU/);
  assert.match(text, /⚠️ O que degradou\n⚠️ {2}Balanceamento de carga \(load-balancing\) — DEGRADOU/);
  assert.match(
    text,
    /❌ O que falhou\n❌ Cache de planos e single-flight \(plan-cache-single-flight\) — FALHOU/,
  );
  assert.match(text, /⏭️ O que não foi executado\n⏭️ {2}Isolamento de dados privados/);
  assert.match(text, / {3}20 execuções pesadas em vez de 1/);
  assert.match(text, /│ api-1 {2}█{30} {2}12/);
  assert.match(text, /│ api {6}api-1 {4}running {2}healthy/);
  assert.match(
    text,
    /Conclusão\n❌ Stage não pronto para chat multiusuário: 1 verificação falhou \(plan-cache-single-flight\)\./,
  );
});

test('English, ready, and a boot failure worded apart', () => {
  assert.match(renderTerminal(allPassing('en')), /✅ Stage ready for multi-user chat: every check passed\./);
  assert.match(renderTerminal(bootFailed('pt-BR')), /o stage não pôde ser iniciado/);
  assert.match(renderTerminal(bootFailed('en')), /the stage could not be booted/);
});

test('colour only when asked, and a stage cannot send its own escape sequences', () => {
  const report = sampleReport({
    checks: [
      check({
        id: 'stage-up',
        status: 'fail',
        reason: 'x\u001b[2J\u001b]0;pwned\u0007 cleared\rline',
        evidence: [
          { kind: 'lines', title: 'log\u001b[31m', lines: ['\u001b[1mbold\u001b[0m', 'bell\u0007'] },
        ],
      }),
    ],
  });
  const plain = renderTerminal(report);
  assert.doesNotMatch(plain, /[\u0000-\u0008\u000b-\u001f]/);
  assert.match(plain, /x cleared line/);
  const coloured = renderTerminal(report, { color: true });
  assert.match(coloured, /\u001b\[31mFALHOU\u001b\[0m/);
  // Every escape in the coloured text is one of ours (SGR colour codes only).
  assert.doesNotMatch(coloured.replace(/\u001b\[\d+m/g, ''), /\u001b/);
});

test('long evidence is cut to a count, or left out when asked', () => {
  const report = sampleReport({
    checks: [
      check({
        id: 'stage-up',
        status: 'pass',
        evidence: [{ kind: 'lines', title: 'log', lines: Array.from({ length: 50 }, (_, i) => `line ${i}`) }],
      }),
    ],
  });
  const text = renderTerminal(report, { maxEvidenceLines: 5 });
  assert.match(text, /│ line 49/);
  assert.doesNotMatch(text, /│ line 44\n/);
  assert.match(text, /… 45 more/);
  assert.doesNotMatch(renderTerminal(report, { evidence: false }), /line 49/);
});
