/* eslint-disable no-control-regex -- these tests look for control characters and escape sequences */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMENT_MAX_CHARS, renderMarkdown, SUMMARY_MAX_BYTES } from '../../src/report/markdown-renderer.js';
import type { GateReport } from '../../src/report/model.js';
import { outsideCode } from './markdown-helpers.js';
import { allPassing, bootFailed, check, sampleReport } from './report-fixtures.js';

/** Sections of the rendered markdown by their `### ` heading. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of markdown.split(/^### /m).slice(1)) {
    const newline = part.indexOf('\n');
    out.set(part.slice(0, newline).trim(), part.slice(newline + 1));
  }
  return out;
}

test('pt-BR: the four headings, each check under its status, the conclusion, and skipped checks listed', () => {
  const md = renderMarkdown(sampleReport());
  const s = sections(md);
  assert.deepEqual(
    [...s.keys()],
    ['✅ O que passou', '⚠️ O que degradou', '❌ O que falhou', '⏭️ O que não foi executado', 'Conclusão'],
  );
  assert.match(s.get('✅ O que passou')!, /Stage no ar · `stage-up`/);
  assert.match(s.get('✅ O que passou')!, /`narrator-saturation`/);
  assert.match(s.get('⚠️ O que degradou')!, /`load-balancing`/);
  assert.match(s.get('❌ O que falhou')!, /`plan-cache-single-flight`/);
  assert.match(s.get('⏭️ O que não foi executado')!, /`private-isolation`[\s\S]*não selecionada/);
  assert.match(md, /^## ❌ Stage não pronto para chat multiusuário$/m);
  assert.match(s.get('Conclusão')!, /Stage não pronto para chat multiusuário: 1 verificação falhou/);
  // Each reason is there, as its own line.
  assert.match(md, /20 execuções pesadas em vez de 1/);
});

test('evidence is in collapsible sections: tables, facts, histogram bars and log lines in a code block', () => {
  const md = renderMarkdown(sampleReport());
  assert.equal((md.match(/<details><summary>/g) ?? []).length, 4);
  assert.equal((md.match(/<\/details>/g) ?? []).length, 4);
  assert.match(
    md,
    /<summary>Evidência: Serviços<\/summary>\n\n\| service \| name \| state \| health \|\n\| --- \|/,
  );
  assert.match(md, /\| api \| api-1 \| running \| healthy \|/);
  assert.match(md, /api-1 {2}█{30} {2}12/, 'the largest bucket gets the full bar');
  assert.match(md, /api-2 {2}█{20} {10} {2}8/, 'bars are proportional');
  assert.match(md, /```text\nGET \/healthz 200\nPOST \/ask 200 miss\n```/);
  assert.match(md, /\| pedidos \| 20 \|/);
});

test('English when asked, and a ready stage is called ready', () => {
  const md = renderMarkdown(allPassing('en'));
  assert.match(md, /^## ✅ Stage ready for multi-user chat$/m);
  const s = sections(md);
  assert.deepEqual([...s.keys()], ['✅ What passed', '⚠️ What degraded', '❌ What failed', 'Conclusion']);
  assert.match(s.get('⚠️ What degraded')!, /_Nothing\._/);
  assert.match(s.get('Conclusion')!, /Stage ready for multi-user chat: every check passed/);
  assert.doesNotMatch(md, /pronto|O que/);
  const pt = renderMarkdown(allPassing('pt-BR'));
  assert.match(pt, /^## ✅ Stage pronto para chat multiusuário$/m);
  assert.match(pt, /todas as verificações passaram/);
});

test('a boot failure is worded apart from a failed check, in both languages', () => {
  const pt = renderMarkdown(bootFailed('pt-BR'));
  assert.match(pt, /^## ❌ Stage não pronto para chat multiusuário: o stage não pôde ser iniciado$/m);
  assert.match(pt, /o stage não pôde ser iniciado, então nenhuma verificação pôde provar nada/);
  const en = renderMarkdown(bootFailed('en'));
  assert.match(en, /the stage could not be booted/);
  const failedCheck = renderMarkdown(sampleReport());
  assert.doesNotMatch(failedCheck, /não pôde ser iniciado/);
});

test('a stage warning is ready with warnings; with fail-on warn it is not ready and names the warned check', () => {
  const warned = sampleReport({ verdict: 'ready', worst: 'warn' });
  warned.checks = warned.checks.filter((c) => c.status !== 'fail');
  assert.match(renderMarkdown(warned), /^## ⚠️ Stage pronto para chat multiusuário$/m);
  assert.match(renderMarkdown(warned), /com 1 verificação degradada/);
  const strict: GateReport = { ...warned, verdict: 'not-ready' };
  assert.match(renderMarkdown(strict), /1 verificação falhou \(load-balancing\)/);
});

// ---------------------------------------------------------------------------------------------------
// Hostile stage text.

function hostileReport(text: string): GateReport {
  return sampleReport({
    checks: [
      check({
        id: 'load-balancing',
        status: 'fail',
        reason: text,
        evidence: [
          { kind: 'table', title: text, columns: ['replica', text], rows: [[text, text]] },
          { kind: 'facts', title: 'f', facts: [{ label: text, value: text }] },
          { kind: 'histogram', title: 'h', buckets: [{ label: text, count: 3 }] },
          { kind: 'lines', title: 'l', lines: [text, ...text.split('\n')] },
        ],
      }),
    ],
  });
}

/** Table rows of the markdown: lines starting with `| `, with their unescaped pipes counted. */
function unescapedPipes(line: string): number {
  return (line.match(/(?<!\\)\|/g) ?? []).length;
}

test('pipes and line breaks in stage text cannot add columns or rows to a table', () => {
  const md = outsideCode(renderMarkdown(hostileReport('a | b || c\n| --- |\nd')));
  const rows = md.split('\n').filter((line) => line.startsWith('| '));
  assert.ok(rows.length >= 5);
  for (const row of rows) assert.equal(unescapedPipes(row), 3, `row keeps 2 columns: ${row}`);
});

test('HTML, scripts, comments and links from the stage come out as text', () => {
  const evil =
    '<script>alert(1)</script><img src=x onerror=alert(1)> [click](javascript:alert(1)) ![i](http://x/y.png) ' +
    '<!-- stagegate:other-job --> </details></summary> &lt;b&gt;';
  const full = renderMarkdown(hostileReport(evil));
  assert.doesNotMatch(full, /<!--/, 'not even in a code block: the raw body never holds a fake marker');
  const md = outsideCode(full);
  assert.doesNotMatch(md, /<script/i);
  assert.doesNotMatch(md, /<img/i);
  assert.doesNotMatch(md, /<!--/, 'no HTML comment can appear, so no fake marker');
  assert.doesNotMatch(md, /(?<!\\)\]\(javascript:/);
  assert.match(md, /\\\[click\\\]\(javascript:/);
  assert.doesNotMatch(md, /!\[i/);
  assert.match(md, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  // Entities the stage wrote are shown literally, not decoded into tags.
  assert.match(md, /&amp;lt;b&amp;gt;/);
  // Our own structure is intact: every <details> we opened is closed once.
  assert.equal((md.match(/<details>/g) ?? []).length, (md.match(/<\/details>/g) ?? []).length);
  assert.equal((md.match(/<\/details>/g) ?? []).length, 4);
});

test('@mentions are broken so nobody is notified, markdown emphasis and headings are escaped', () => {
  const md = outsideCode(
    renderMarkdown(hostileReport('@octocat and @org/team **bold** # heading\n# real heading ~~x~~ `code`')),
  );
  assert.doesNotMatch(md, /@octocat|@org/);
  assert.match(md, /@\u200Boctocat/);
  assert.doesNotMatch(md, /^# real heading/m);
  assert.match(md, /\\\*\\\*bold\\\*\\\*/);
  assert.match(md, /\\`code\\`/);
});

test('backtick fences in log lines cannot close the code block', () => {
  const lines = ['before', '```', '````', '```html', '<b>escaped?</b>', '   ````'];
  const report = sampleReport({
    checks: [check({ id: 'stage-up', status: 'fail', evidence: [{ kind: 'lines', title: 'log', lines }] })],
  });
  const md = renderMarkdown(report);
  const open = /^(`{5,})text$/m.exec(md);
  assert.ok(open, 'the fence is longer than the longest backtick run in the lines');
  const fence = open[1]!;
  const start = md.indexOf(open[0]) + open[0].length + 1;
  const end = md.indexOf(`\n${fence}\n`, start);
  assert.ok(end > start);
  assert.deepEqual(md.slice(start, end).split('\n'), lines, 'the lines are kept verbatim inside the block');
});

test('terminal escapes, control and bidi characters are removed', () => {
  const md = renderMarkdown(hostileReport('red\u001b[31m text\u0007 bell \u202Egnp.exe\u0000'));
  assert.doesNotMatch(md, /[\u0000-\u0008\u001b\u202E]/);
  assert.match(md, /red text bell gnp\.exe/);
});

// ---------------------------------------------------------------------------------------------------
// Size limits.

function hugeReport(): GateReport {
  const bigLine = 'x'.repeat(3000) + ' 🚀';
  return sampleReport({
    checks: sampleReport().checks.map((c, i) => ({
      ...c,
      reason: `reason of ${c.id}: ${'é'.repeat(5000)}`,
      evidence: Array.from({ length: 30 }, (_, j) => ({
        kind: 'lines' as const,
        title: `log ${i}-${j}`,
        lines: Array.from({ length: 400 }, (_, k) => `${k} ${bigLine}`),
      })).concat([
        {
          kind: 'lines' as const,
          title: 'single',
          lines: [],
        },
      ]),
    })),
  });
}

test('a pathological report stays under the comment and summary limits and keeps every verdict and reason', () => {
  const report = hugeReport();
  const comment = renderMarkdown(report, { maxChars: COMMENT_MAX_CHARS });
  const summary = renderMarkdown(report, { maxBytes: SUMMARY_MAX_BYTES });
  assert.ok(comment.length <= COMMENT_MAX_CHARS, `comment is ${comment.length} chars`);
  assert.ok(
    Buffer.byteLength(summary) <= SUMMARY_MAX_BYTES,
    `summary is ${Buffer.byteLength(summary)} bytes`,
  );
  assert.ok(summary.length > comment.length, 'the summary keeps more evidence than the comment');
  for (const md of [comment, summary]) {
    assert.match(md, /^## ❌ Stage não pronto para chat multiusuário$/m);
    assert.match(md, /### Conclusão\n\n\*\*Stage não pronto/);
    for (const c of report.checks) {
      assert.match(md, new RegExp(`· \`${c.id}\` ·`), `${c.id} keeps its heading`);
      assert.match(md, new RegExp(`reason of ${c.id}: éé`), `${c.id} keeps its reason`);
    }
  }
  assert.match(comment, /omitidas para caber no limite do GitHub|omitida para caber no limite/);
});

test('hundreds of checks still render within the limit with the verdict and conclusion first', () => {
  const many = sampleReport({
    checks: Array.from({ length: 3000 }, (_, i) =>
      check({ id: 'stage-up', status: i === 0 ? 'fail' : 'pass', reason: `r${i} ${'y'.repeat(100)}` }),
    ),
  });
  const md = renderMarkdown(many, { maxChars: COMMENT_MAX_CHARS });
  assert.ok(md.length <= COMMENT_MAX_CHARS);
  assert.match(md, /^## ❌ Stage não pronto/);
  assert.match(md, /### Conclusão/);
});

test('a small report is not trimmed at all', () => {
  const report = sampleReport();
  assert.equal(renderMarkdown(report, { maxChars: COMMENT_MAX_CHARS }), renderMarkdown(report));
});

test('a reason that looks like a heading, a list, a rule or a numbered item stays a plain paragraph', () => {
  for (const [reason, escaped] of [
    ['# not a heading', '\\# not a heading'],
    ['- not an item', '\\- not an item'],
    ['---', '\\---'],
    ['+ plus', '\\+ plus'],
    ['1. first', '1\\. first'],
    ['> quote', '&gt; quote'],
    ['    indented code', 'indented code'],
  ]) {
    const md = renderMarkdown(
      sampleReport({ checks: [check({ id: 'stage-up', status: 'pass', reason: reason! })] }),
    );
    assert.match(
      md,
      new RegExp(`· \\d+(\\.\\d)? s\\n\\n${escaped!.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\\n`),
      reason,
    );
  }
  // In a table cell the same text needs no line-start escape.
  const cellReport = sampleReport({
    checks: [
      check({
        id: 'stage-up',
        status: 'pass',
        evidence: [{ kind: 'table', title: 't', columns: ['a'], rows: [['127.0.0.1:80']] }],
      }),
    ],
  });
  assert.match(renderMarkdown(cellReport), /\| 127\.0\.0\.1:80 \|/);
});
