import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { API_ENV_DEFAULTS, loadApiConfig } from '../../src/api/config.js';
import { ConfigError } from '../../src/kit/env-config.js';

test('defaults: every variable optional, documented defaults applied', () => {
  const config = loadApiConfig({});
  assert.equal(config.port, Number(API_ENV_DEFAULTS.PORT));
  assert.equal(config.host, '0.0.0.0');
  assert.equal(
    config.replicaId,
    hostname()
      .replace(/[^A-Za-z0-9._:-]/g, '-')
      .slice(0, 64),
  );
  assert.equal(config.redisUrl, API_ENV_DEFAULTS.REDIS_URL);
  assert.equal(config.ollamaUrl, API_ENV_DEFAULTS.OLLAMA_URL);
  assert.equal(config.ollamaModel, API_ENV_DEFAULTS.OLLAMA_MODEL);
  assert.equal(config.narratorMaxConcurrency, 4);
  assert.equal(config.narratorQueueTimeoutMs, 0);
  assert.equal(config.planCacheEnabled, true);
  assert.equal(config.singleFlightEnabled, true);
  assert.equal(config.planCacheMemoryTtlMs, Number(API_ENV_DEFAULTS.PLAN_CACHE_MEMORY_TTL_MS));
  assert.equal(config.planCacheMemoryMaxBytes, Number(API_ENV_DEFAULTS.PLAN_CACHE_MEMORY_MAX_BYTES));
  assert.equal(config.otelEndpoint, undefined);
  assert.equal(config.faults.size, 0);
});

test('values are parsed; empty strings count as unset; URLs lose trailing slashes', () => {
  const config = loadApiConfig({
    PORT: '9000',
    REPLICA_ID: 'api-7',
    NARRATOR_MAX_CONCURRENCY: '0',
    PLAN_CACHE_ENABLED: 'false',
    PLAN_CACHE_MEMORY_TTL_MS: '0',
    PLAN_CACHE_MEMORY_MAX_BYTES: '1048576',
    SINGLE_FLIGHT_ENABLED: 'no',
    OLLAMA_URL: 'http://ollama:11434/',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://tempo:4318',
    FAULT_INJECTION: ' healthz-fail , ask-hang ',
    LOG_LEVEL: 'DEBUG',
    HOST: '',
  });
  assert.equal(config.port, 9000);
  assert.equal(config.replicaId, 'api-7');
  assert.equal(config.narratorMaxConcurrency, 0);
  assert.equal(config.planCacheEnabled, false);
  assert.equal(config.singleFlightEnabled, false);
  assert.equal(config.planCacheMemoryTtlMs, 0);
  assert.equal(config.planCacheMemoryMaxBytes, 1024 * 1024);
  assert.equal(config.ollamaUrl, 'http://ollama:11434');
  assert.equal(config.otelEndpoint, 'http://tempo:4318');
  assert.deepEqual([...config.faults].sort(), ['ask-hang', 'healthz-fail']);
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.host, '0.0.0.0');
});

test('a bad value is a ConfigError naming the variable and what it got', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ NARRATOR_MAX_CONCURRENCY: '-1' }, /^NARRATOR_MAX_CONCURRENCY must be a whole number \(got "-1"\)$/],
    [{ NARRATOR_TIMEOUT_MS: '10' }, /^NARRATOR_TIMEOUT_MS must be between 100 and 600000/],
    [{ OLLAMA_URL: 'ollama:11434' }, /^OLLAMA_URL must be a URL starting with http:\/\/ or https:\/\//],
    [{ FAULT_INJECTION: 'drop-tables' }, /^FAULT_INJECTION has unknown fault "drop-tables"/],
    [{ REPLICA_ID: 'api 1' }, /^REPLICA_ID must be 1-64 letters/],
    [{ SINGLE_FLIGHT_ENABLED: 'on' }, /^SINGLE_FLIGHT_ENABLED must be true or false/],
    [{ PLAN_CACHE_MEMORY_TTL_MS: '61000' }, /^PLAN_CACHE_MEMORY_TTL_MS must be between 0 and 60000/],
    [{ PLAN_CACHE_MEMORY_MAX_BYTES: '8MiB' }, /^PLAN_CACHE_MEMORY_MAX_BYTES must be a whole number/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadApiConfig(env),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        return true;
      },
    );
  }
});
