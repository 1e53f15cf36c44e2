import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as core from '@actions/core';
import { ALL_INPUT_NAMES } from '../../src/action/constants.js';
import { readActionInputs } from '../../src/action/inputs.js';
import { SettingsError } from '../../src/gate/settings.js';

/** Runs `fn` with INPUT_* variables set as the runner sets them, then restores the environment. */
function withInputs<T>(inputs: Record<string, string>, fn: () => T): T {
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value;
  try {
    return fn();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

const read = () => readActionInputs((name) => core.getInput(name));

test('no inputs: the gate defaults, plus the action-only defaults for logs and the JSON report', () => {
  const inputs = withInputs({}, read);
  assert.equal(inputs.settings.driver, 'compose');
  assert.equal(inputs.settings.replicas, 3);
  assert.equal(inputs.settings.logDir, '.stagegate/logs');
  assert.equal(inputs.settings.jsonReport, '.stagegate/report.json');
  assert.equal(inputs.prComment, true);
  assert.equal(inputs.githubToken, '');
  assert.equal(inputs.commentKey, '');
});

test('every input is read exactly once, by its action.yml name', () => {
  const seen: string[] = [];
  readActionInputs((name) => {
    seen.push(name);
    return '';
  });
  assert.deepEqual([...seen].sort(), [...ALL_INPUT_NAMES].sort());
  assert.equal(new Set(seen).size, seen.length);
});

test('values arrive as the runner passes them (INPUT_<NAME> through core.getInput)', () => {
  const inputs = withInputs(
    {
      driver: 'external',
      'base-url': 'http://127.0.0.1:9999',
      replicas: '5',
      checks: 'load-balancing, stage-up',
      'llm-questions': 'Explique A\nExplique B',
      'fail-on': 'warn',
      language: 'en',
      'pr-comment': 'false',
      'comment-key': 'gate-arm64',
      'github-token': 'ghs_secret_value_123',
    },
    read,
  );
  assert.equal(inputs.settings.driver, 'external');
  assert.equal(inputs.settings.baseUrl, 'http://127.0.0.1:9999');
  assert.equal(inputs.settings.replicas, 5);
  assert.deepEqual(inputs.settings.checks, ['stage-up', 'load-balancing']);
  assert.deepEqual(inputs.settings.llmQuestions, ['Explique A', 'Explique B']);
  assert.equal(inputs.settings.failOn, 'warn');
  assert.equal(inputs.settings.language, 'en');
  assert.equal(inputs.prComment, false);
  assert.equal(inputs.commentKey, 'gate-arm64');
  assert.equal(inputs.githubToken, 'ghs_secret_value_123');
});

function refusal(inputs: Record<string, string>): SettingsError {
  try {
    withInputs(inputs, read);
  } catch (error) {
    assert.ok(error instanceof SettingsError, `expected a SettingsError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(inputs)} to be refused`);
}

test('bad inputs are refused with the input name and the expected form, never the token', () => {
  const token = 'ghs_do_not_print_me_0123456789';
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ replicas: '-1' }, /^Invalid replicas '-1': expected a whole number from 1 to 20\.$/],
    [{ replicas: 'lots' }, /^Invalid replicas 'lots'/],
    [{ checks: 'stage-up,warp-drive' }, /Invalid checks .*unknown check 'warp-drive'/],
    [{ driver: 'kubernetes' }, /^Invalid driver 'kubernetes': expected one of compose, local, external\.$/],
    [{ driver: 'external' }, /^Invalid base-url: required when driver is external/],
    [{ 'fail-on': 'sometimes' }, /^Invalid fail-on 'sometimes': expected one of fail, warn, never\.$/],
    [{ 'pr-comment': 'maybe' }, /^Invalid pr-comment 'maybe': expected true or false\.$/],
    [{ 'comment-key': 'k'.repeat(101) }, /^Invalid comment-key: expected at most 100 characters/],
  ];
  for (const [inputs, message] of cases) {
    const error = refusal({ ...inputs, 'github-token': token });
    assert.match(error.message, message);
    assert.ok(!error.message.includes(token));
  }
});
