import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJson } from '../../src/report/json-renderer.js';
import { renderMarkdown } from '../../src/report/markdown-renderer.js';
import { createRedactor, redactReport, secretsFromEnv } from '../../src/report/redact.js';
import { renderTerminal } from '../../src/report/terminal-renderer.js';
import { check, sampleReport } from './report-fixtures.js';

const TOKEN = 'ghs_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const PAT = 'github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz';
const ENV_SECRET = 'hunter2-database-password';

function leakyReport() {
  return sampleReport({
    stage: {
      driver: 'external',
      baseUrl: `https://x:${ENV_SECRET}@stage.example`,
      replicas: 3,
      narratorMaxConcurrency: 1,
    },
    checks: [
      check({
        id: 'stage-up',
        status: 'fail',
        reason: `boot failed: env GITHUB_TOKEN=${TOKEN}`,
        evidence: [
          {
            kind: 'lines',
            title: 'api log',
            lines: [`Authorization: token ${TOKEN}`, `DB_PASSWORD=${ENV_SECRET}`, PAT],
          },
          { kind: 'facts', title: `settings ${TOKEN}`, facts: [{ label: 'token', value: TOKEN }] },
          { kind: 'table', title: 't', columns: [ENV_SECRET], rows: [[ENV_SECRET, 42]] },
          { kind: 'histogram', title: 'h', buckets: [{ label: ENV_SECRET, count: 1 }] },
        ],
      }),
    ],
  });
}

test('known secrets and token-shaped strings never reach any rendering', () => {
  const env = { GITHUB_TOKEN: TOKEN, DB_PASSWORD: ENV_SECRET, HOME: '/root', PATH: '/usr/bin' };
  const report = redactReport(leakyReport(), secretsFromEnv(env));
  for (const text of [renderMarkdown(report), renderTerminal(report), renderJson(report)]) {
    assert.ok(!text.includes(TOKEN), 'the GitHub token does not appear');
    assert.ok(!text.includes(ENV_SECRET), 'the env secret does not appear');
    assert.ok(!text.includes(PAT.slice(0, 30)), 'a PAT the caller did not know about is caught by its shape');
    assert.ok(text.includes('***'));
  }
  // Everything else is left as it was.
  assert.equal(report.checks[0]!.evidence[2]!.kind, 'table');
  assert.match(renderJson(report), /"value": "\*\*\*"/);
  assert.match(renderJson(report), /42/);
});

test('only secret-looking variables are taken from the environment, and short values are not scrubbed', () => {
  const secrets = secretsFromEnv({
    GITHUB_TOKEN: 'abcdefgh',
    ACTIONS_RUNTIME_TOKEN: 'runtime-token-value',
    MY_API_KEY: 'k-123456',
    HOME: '/root',
    REPLICAS: '3',
    'INPUT_PRIVATE-QUESTION': 'Como está minha carteira?',
  });
  assert.deepEqual(secrets.sort(), ['abcdefgh', 'k-123456', 'runtime-token-value']);
  const redact = createRedactor(['abc', 'abcdefgh']);
  assert.equal(redact('abc abcdefgh'), 'abc ***', 'values under 6 characters would scrub ordinary words');
});

test('a secret containing another is removed whole', () => {
  const redact = createRedactor(['secret-1', 'secret-1-extended']);
  assert.equal(redact('x secret-1-extended y secret-1'), 'x *** y ***');
});

test('regular-expression characters in a secret are taken literally', () => {
  const redact = createRedactor(['a.b*c+d(e)']);
  assert.equal(redact('zz a.b*c+d(e) aXbbbcd'), 'zz *** aXbbbcd');
});

test('a secret cut short by a snippet (…) loses its start too; ordinary cut text stays', () => {
  const redact = createRedactor([ENV_SECRET]);
  assert.equal(redact(`"password": "hunter2-data…`), `"password": "***…`);
  assert.equal(redact('a hunt… b hunter2-database-password'), 'a ***… b ***');
  assert.equal(
    redact('the database answered slowly…'),
    'the database answered slowly…',
    'no secret starts here',
  );
  assert.equal(redact('hun…'), 'hun…', 'three characters tell next to nothing');
  assert.equal(
    createRedactor([])(`Authorization: token ${TOKEN.slice(0, 20)}…`),
    'Authorization: token ***…',
    'a GitHub token cut before its whole shape',
  );
});
