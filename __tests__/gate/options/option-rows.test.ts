import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI_FLAGS, CLI_OPTIONS } from '../../../src/cli/parse-args.js';
import { GATE_OPTION_ROWS, GITHUB_OPTION_ROWS } from '../../../src/gate/options/option-rows.js';
import {
  GATE_OPTIONS,
  GITHUB_OPTIONS,
  parseGateSettings,
  parseGitHubOptions,
  SettingsError,
} from '../../../src/gate/settings.js';

function refusal(parse: () => unknown): SettingsError {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof SettingsError, String(error));
    return error;
  }
  assert.fail('expected a SettingsError');
}

test('each option is one row: the documents and the schema list the rows, in their order', () => {
  assert.deepEqual(
    GATE_OPTIONS.map((option) => option.name),
    Object.keys(GATE_OPTION_ROWS),
  );
  assert.deepEqual(
    GITHUB_OPTIONS.map((option) => option.name),
    Object.keys(GITHUB_OPTION_ROWS),
  );
  const kebabs = [...GATE_OPTIONS, ...GITHUB_OPTIONS].map((option) => option.kebab);
  assert.equal(new Set(kebabs).size, kebabs.length);
  // No option's flag collides with a flag of the CLI itself (or with a generated --no-x).
  const cliOwn = CLI_FLAGS.map((entry) => entry.flag);
  for (const option of CLI_OPTIONS) {
    assert.ok(!cliOwn.includes(option.kebab as never), option.kebab);
    assert.ok(!CLI_OPTIONS.some((other) => `no-${other.kebab}` === option.kebab), option.kebab);
  }
});

test('every row has words a user can read, and a number row says its bounds', () => {
  for (const option of [...GATE_OPTIONS, ...GITHUB_OPTIONS]) {
    assert.ok(option.description.length > 20, `${option.kebab} has a description`);
    assert.ok(option.expected.length > 3, `${option.kebab} has an expected form`);
    assert.ok(option.surfaces.length > 0, `${option.kebab} exists somewhere`);
  }
  for (const option of GATE_OPTIONS.filter((o) => o.kind === 'number')) {
    const bad = parseGateSettings.bind(null, { [option.name]: -1_000_000 });
    assert.match(refusal(bad).message, new RegExp(`^Invalid ${option.kebab} '-1000000': expected a`));
  }
});

test('the GitHub-side options: defaults, the CLI has only comment-key, the token is never quoted', () => {
  assert.deepEqual(parseGitHubOptions(), { githubToken: '', prComment: true });
  assert.deepEqual(
    GITHUB_OPTIONS.filter((o) => o.surfaces.includes('cli')).map((o) => o.kebab),
    ['comment-key'],
  );
  assert.ok(GITHUB_OPTIONS.find((o) => o.name === 'githubToken')!.secret);
  const token = ['ghs', 'not', 'a', 'string'];
  const tokenError = refusal(() => parseGitHubOptions({ githubToken: token }));
  assert.equal(tokenError.message, 'Invalid github-token: expected a GitHub token.');
  assert.equal(
    refusal(() => parseGitHubOptions({ prComment: 'maybe' })).message,
    "Invalid pr-comment 'maybe': expected true or false.",
  );
});

test('a value too long is not quoted back: its length is said instead', () => {
  const error = refusal(() => parseGateSettings({ publicQuestion: 'q'.repeat(1001) }));
  assert.equal(
    error.message,
    'Invalid public-question: expected a question of at most 1000 characters (got 1001 characters).',
  );
  assert.equal(error.option, 'public-question');
  assert.equal(
    refusal(() => parseGitHubOptions({ commentKey: 'k'.repeat(101) })).message,
    'Invalid comment-key: expected at most 100 characters (got 101 characters).',
  );
});
