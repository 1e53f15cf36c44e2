/**
 * Which scrape job of a Prometheus is this stage's: the one whose targets are exactly the booted api
 * containers, matched by address. Anything else is a `not-this-stage` failure that says what it scrapes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostOfInstance, matchScrapeJob } from '../../../src/stage/metrics/stage-prometheus.js';
import { describeMetricsFailure } from '../../../src/stage/stage-words.js';
import { inEnglish } from '../../../src/report/language.js';

const containers = [
  { name: 'stagegate-nginx-backend-1', hosts: ['172.20.0.5', 'stagegate-nginx-backend-1', 'a1b2c3'] },
  { name: 'stagegate-nginx-backend-2', hosts: ['172.20.0.6', 'stagegate-nginx-backend-2', 'd4e5f6'] },
];

test('instances give their host, whatever the form', () => {
  assert.equal(hostOfInstance('172.20.0.5:8080'), '172.20.0.5');
  assert.equal(hostOfInstance('[::1]:8080'), '::1');
  assert.equal(hostOfInstance('backend-1'), 'backend-1');
  assert.equal(hostOfInstance('fe80::1'), 'fe80::1');
});

test('the job whose targets are exactly the api containers is found, whatever it is named', () => {
  const outcome = matchScrapeJob(
    'http://127.0.0.1:19090',
    [
      { job: 'self', instance: 'localhost:9090' },
      { job: 'chat-backend', instance: '172.20.0.6:8080' },
      { job: 'chat-backend', instance: '172.20.0.5:8080' },
    ],
    containers,
  );
  assert.deepEqual(outcome, { job: 'chat-backend' });
});

test("a Prometheus scraping something else is not this stage's, and the failure names what it scrapes", () => {
  const outcome = matchScrapeJob(
    'http://127.0.0.1:9090',
    [
      { job: 'api', instance: '172.18.0.9:8080' },
      { job: 'prometheus', instance: 'localhost:9090' },
    ],
    containers,
  );
  assert.ok('failure' in outcome);
  assert.equal(outcome.failure.kind, 'not-this-stage');
  assert.equal(
    describeMetricsFailure(outcome.failure, inEnglish),
    "Prometheus at http://127.0.0.1:9090 answers but is not this stage's: no scrape job holds exactly the api containers (stagegate-nginx-backend-1 (172.20.0.5, stagegate-nginx-backend-1, a1b2c3), stagegate-nginx-backend-2 (172.20.0.6, stagegate-nginx-backend-2, d4e5f6)); it scrapes api: 172.18.0.9:8080, prometheus: localhost:9090",
  );
});

test("a job with only some replicas, or with foreign targets too, is not counted as the stage's", () => {
  const partial = matchScrapeJob('p', [{ job: 'chat-backend', instance: '172.20.0.5:8080' }], containers);
  assert.ok('failure' in partial && partial.failure.kind === 'not-this-stage');
  assert.equal(partial.failure.job, 'chat-backend');
  assert.deepEqual(partial.failure.missing, ['stagegate-nginx-backend-2']);
  assert.match(
    describeMetricsFailure(partial.failure, inEnglish),
    /job "chat-backend" comes closest, without stagegate-nginx-backend-2/,
  );

  const mixed = matchScrapeJob(
    'p',
    [
      { job: 'chat-backend', instance: '172.20.0.5:8080' },
      { job: 'chat-backend', instance: '172.20.0.6:8080' },
      { job: 'chat-backend', instance: '10.0.0.1:8080' },
    ],
    containers,
  );
  assert.ok('failure' in mixed);
  assert.match(describeMetricsFailure(mixed.failure, inEnglish), /with targets that are not this stage's/);
  // No container at all (none running): nothing can be this stage's.
  assert.ok('failure' in matchScrapeJob('p', [{ job: 'x', instance: '1.2.3.4:1' }], []));
});
