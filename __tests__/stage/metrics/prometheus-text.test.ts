import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  labelsMatch,
  parsePrometheusText,
  PrometheusTextError,
} from '../../../src/stage/metrics/prometheus-text.js';

test('samples are parsed with names, labels, values and timestamps; comments and blank lines are ignored', () => {
  const samples = parsePrometheusText(
    [
      '# HELP services_plan_heavy_executions_total Heavy executions.',
      '# TYPE services_plan_heavy_executions_total counter',
      'services_plan_heavy_executions_total{replica="api-1"} 3',
      '',
      '# just a comment',
      'services_plan_cache_requests_total{replica="api-2",result="hit",} 1.5e3 1712345678000',
      'process_start_time_seconds 1.7e+09',
      'up 1\r',
    ].join('\n'),
  );
  assert.deepEqual(samples, [
    { name: 'services_plan_heavy_executions_total', labels: { replica: 'api-1' }, value: 3 },
    {
      name: 'services_plan_cache_requests_total',
      labels: { replica: 'api-2', result: 'hit' },
      value: 1500,
      timestampMs: 1712345678000,
    },
    { name: 'process_start_time_seconds', labels: {}, value: 1.7e9 },
    { name: 'up', labels: {}, value: 1 },
  ]);
});

test('label values keep their escapes: backslash, quote, newline, and braces or commas inside quotes', () => {
  const [sample] = parsePrometheusText('m{a="x\\\\y",b="say \\"hi\\"",c="one\\ntwo",d="{,}"} 7\n');
  assert.deepEqual(sample!.labels, { a: 'x\\y', b: 'say "hi"', c: 'one\ntwo', d: '{,}' });
});

test('NaN, +Inf and -Inf are values', () => {
  const values = parsePrometheusText('a NaN\nb +Inf\nc -Inf\nd{le="+Inf"} 4\n').map((sample) => sample.value);
  assert.ok(Number.isNaN(values[0]));
  assert.deepEqual(values.slice(1), [Infinity, -Infinity, 4]);
});

test('malformed lines are refused with the line number', () => {
  const cases = [
    'ok 1\n{bad} 1',
    'ok 1\nm{a="1"',
    'ok 1\nm{a=1} 2',
    'ok 1\nm 1 2 3',
    'ok 1\nm one',
    'ok 1\nm',
  ];
  for (const text of cases) {
    assert.throws(
      () => parsePrometheusText(text),
      (error: unknown) => {
        assert.ok(error instanceof PrometheusTextError, text);
        assert.match((error as Error).message, /^line 2: /);
        return true;
      },
    );
  }
});

test('labelsMatch is a subset match', () => {
  assert.equal(labelsMatch({ a: '1', b: '2' }, { a: '1' }), true);
  assert.equal(labelsMatch({ a: '1' }, { a: '2' }), false);
  assert.equal(labelsMatch({ a: '1' }, { c: '1' }), false);
  assert.equal(labelsMatch({ a: '1' }, undefined), true);
});
