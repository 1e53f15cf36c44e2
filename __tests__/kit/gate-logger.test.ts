import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createScrubbingLogger } from '../../src/kit/gate-logger.js';
import { createRecordingLogger } from './recording-gate-logger.js';
import { createRedactor } from '../../src/report/redact.js';

test('a scrubbing logger passes every message and group title through the scrubber, and the group body runs once', async () => {
  const inner = createRecordingLogger();
  const logger = createScrubbingLogger(inner, createRedactor(['s3cret-value']));
  let runs = 0;
  const result = await logger.group('logs of s3cret-value', async () => {
    runs++;
    logger.info('info s3cret-value');
    logger.warn('warn s3cret-value');
    logger.debug('debug s3cret-value');
    return 42;
  });
  assert.equal(result, 42);
  assert.equal(runs, 1);
  assert.deepEqual(inner.lines, [
    'group: logs of ***',
    'info: info ***',
    'warn: warn ***',
    'debug: debug ***',
    'endgroup',
  ]);
});
