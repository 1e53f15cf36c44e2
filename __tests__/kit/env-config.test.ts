import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError, logLevel, readEnvironment, wholeNumber } from '../../src/kit/env-config.js';

const Schema = z.object({ PORT: wholeNumber('PORT', 1, 100).default(8), LOG_LEVEL: logLevel() });
const NAMES = ['PORT', 'LOG_LEVEL'];

test('readEnvironment: defaults for unset or blank variables, trimmed values, other variables ignored', () => {
  assert.deepEqual(readEnvironment(Schema, NAMES, { PORT: '  ', OTHER: 'x' }), {
    PORT: 8,
    LOG_LEVEL: 'info',
  });
  assert.deepEqual(readEnvironment(Schema, NAMES, { PORT: ' 42 ', LOG_LEVEL: 'WARN' }), {
    PORT: 42,
    LOG_LEVEL: 'warn',
  });
});

test('readEnvironment: the first problem is a ConfigError naming the variable and quoting the value', () => {
  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ PORT: '-1' }, /^PORT must be a whole number \(got "-1"\)$/],
    [{ PORT: '101' }, /^PORT must be between 1 and 100 \(got "101"\)$/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of debug, info, warn, error \(got "loud"\)$/],
    [{ PORT: '9'.repeat(100) }, /\(got "9{80}…"\)$/],
  ];
  for (const [env, expected] of cases)
    assert.throws(
      () => readEnvironment(Schema, NAMES, env),
      (error) => error instanceof ConfigError && expected.test(error.message),
    );
});
