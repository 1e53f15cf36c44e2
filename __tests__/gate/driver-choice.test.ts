import { test } from 'node:test';
import assert from 'node:assert/strict';
import { driverChoiceFor } from '../../src/gate/driver-choice.js';
import { parseGateSettings } from '../../src/gate/settings.js';

function composeOptions(input: Parameters<typeof parseGateSettings>[0]) {
  const choice = driverChoiceFor(parseGateSettings(input));
  assert.equal(choice.kind, 'compose');
  return choice.compose;
}

test('boot-failure-log-lines: how many lines of each failing service the compose driver quotes', () => {
  assert.equal(composeOptions({}).failureLogLines, 60);
  assert.equal(composeOptions({ bootFailureLogLines: '200' }).failureLogLines, 200);
  assert.throws(
    () => parseGateSettings({ bootFailureLogLines: '0' }),
    /^SettingsError: Invalid boot-failure-log-lines '0': expected a whole number from 1 to 1000\.$/,
  );
});
