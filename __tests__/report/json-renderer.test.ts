import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderJson } from '../../src/report/json-renderer.js';
import type { GateReport } from '../../src/report/model.js';
import { sampleReport } from './report-fixtures.js';

test('the JSON is the report as-is: it parses back to an equal object', () => {
  const report = sampleReport();
  assert.deepEqual(JSON.parse(renderJson(report)), report);
});

test('keys come out in the model order whatever order the report was built in', () => {
  const report = sampleReport();
  const shuffled = JSON.parse(
    JSON.stringify(
      report,
      Object.keys(report)
        .reverse()
        .concat(
          [
            'driver',
            'id',
            'status',
            'reason',
            'durationMs',
            'evidence',
            'kind',
            'title',
            'rows',
            'columns',
            'lines',
            'buckets',
            'facts',
            'label',
            'value',
            'count',
            'baseUrl',
            'replicas',
            'narratorMaxConcurrency',
            'name',
          ].reverse(),
        ),
    ),
  ) as GateReport;
  assert.equal(renderJson(shuffled), renderJson(report));
  const text = renderJson(report);
  assert.ok(text.endsWith('}\n'));
  const topKeys = Object.keys(JSON.parse(text) as object);
  assert.deepEqual(topKeys, [
    'version',
    'verdict',
    'worst',
    'language',
    'stage',
    'startedAt',
    'durationMs',
    'phases',
    'checks',
  ]);
  const checkKeys = Object.keys((JSON.parse(text) as GateReport).checks[0]!);
  assert.deepEqual(checkKeys, ['id', 'status', 'reason', 'durationMs', 'evidence']);
});
