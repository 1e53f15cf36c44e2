import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHelp } from '../../src/cli/help.js';
import { CliUsageError, parseArgs } from '../../src/cli/parse-args.js';
import { GATE_OPTIONS, parseGateSettings } from '../../src/gate/settings.js';

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (error) {
    assert.ok(error instanceof CliUsageError, String(error));
    return error.message;
  }
  assert.fail(`expected ${argv.join(' ')} to be refused`);
}

test('flags map onto the gate options, in both --flag value and --flag=value forms', () => {
  const args = parseArgs([
    '--driver',
    'local',
    '--replicas=3',
    '--checks',
    'stage-up,load-balancing',
    '--json',
    'r.json',
    '--language',
    'en',
  ]);
  const settings = parseGateSettings(args.settings);
  assert.equal(settings.driver, 'local');
  assert.equal(settings.replicas, 3);
  assert.deepEqual(settings.checks, ['stage-up', 'load-balancing']);
  assert.equal(settings.jsonReport, 'r.json');
  assert.equal(settings.language, 'en');
});

test('booleans bare, negated or with a value; list flags repeated', () => {
  const args = parseArgs([
    '--keep-stage',
    '--no-build',
    '--llm-questions',
    'Explique A, com vírgula',
    '--llm-questions',
    'Explique B',
    '--checks',
    'stage-up',
    '--checks',
    'narrator-saturation',
    '--verbose',
    '--no-color',
  ]);
  const settings = parseGateSettings(args.settings);
  assert.equal(settings.keepStage, true);
  assert.equal(settings.build, false);
  assert.deepEqual(settings.llmQuestions, ['Explique A, com vírgula', 'Explique B']);
  assert.deepEqual(settings.checks, ['stage-up', 'narrator-saturation']);
  assert.equal(args.verbose, true);
  assert.equal(args.color, false);
  assert.equal(parseGateSettings(parseArgs(['--keep-stage=false']).settings).keepStage, false);
});

test('mistakes name the flag: unknown (with a suggestion), missing value, repeated, stray argument', () => {
  assert.equal(
    usageError(['--replica', '3']),
    'Unknown flag --replica. Did you mean --replicas? See --help for every flag.',
  );
  assert.match(
    usageError(['--replicas']),
    /^Flag --replicas needs a value \(a whole number from 1 to 20\)\.$/,
  );
  assert.match(usageError(['--driver', 'local', '--driver', 'compose']), /--driver is given more than once/);
  assert.match(usageError(['local']), /Unexpected argument 'local'/);
  assert.match(usageError(['--verbose=yes']), /--verbose takes no value/);
});

test('--help lists every option as a flag with its default', () => {
  const help = renderHelp();
  for (const option of GATE_OPTIONS) {
    assert.ok(help.includes(`--${option.kebab}`), `--${option.kebab} in --help`);
  }
  assert.match(help, /--replicas <n>\n.*\n\s+Expected: a whole number from 1 to 20\. Default: 3\./);
  assert.match(help, /--json\n/);
  assert.equal(parseArgs(['-h']).help, true);
});

test('the flags come from the option rows: a --no-x per boolean, --comment-key for the GitHub side', () => {
  for (const option of GATE_OPTIONS.filter((o) => o.kind === 'boolean')) {
    const negated = parseGateSettings(parseArgs([`--no-${option.kebab}`]).settings);
    assert.equal(negated[option.name], false, `--no-${option.kebab}`);
  }
  assert.equal(parseGateSettings(parseArgs(['--build', 'false']).settings).build, false);
  assert.deepEqual(parseArgs(['--comment-key', 'gate-arm64']).github, { commentKey: 'gate-arm64' });
  assert.deepEqual(parseArgs(['--comment-key=k']).settings, {});
  // A value that starts with one dash is a value: the range check, not the flag parser, refuses it.
  assert.deepEqual(parseArgs(['--replicas', '-1', '--driver=local']).settings, {
    replicas: '-1',
    driver: 'local',
  });
  assert.match(usageError(['--no-build=yes']), /^Flag --no-build takes no value\.$/);
  assert.match(usageError(['--no-replicas']), /^Unknown flag --no-replicas\./);
  assert.match(usageError(['--', '--driver', 'local']), /^Unexpected argument '--'/);
  assert.match(usageError(['-x']), /^Unexpected argument '-x'/);
  assert.match(
    usageError(['--replicas', '--driver', 'local']),
    /^Flag --replicas needs a value \(a whole number from 1 to 20\)\.$/,
  );
  assert.equal(usageError(['--pr-comment']), 'Unknown flag --pr-comment. See --help for every flag.');
});
