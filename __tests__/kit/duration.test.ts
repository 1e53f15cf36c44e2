import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatMilliseconds, formatSeconds } from '../../src/kit/duration.js';

test('formatDuration: milliseconds under a second, one decimal under a minute, minutes and seconds above', () => {
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(849.6), '850 ms');
  assert.equal(formatDuration(1000), '1.0 s');
  assert.equal(formatDuration(1234), '1.2 s');
  assert.equal(formatDuration(59_940), '59.9 s');
  assert.equal(formatDuration(60_000), '1 min 0 s');
  assert.equal(formatDuration(123_456), '2 min 3 s');
});

test('formatDuration: a value that is not a duration is shown as ?', () => {
  assert.equal(formatDuration(-1), '?');
  assert.equal(formatDuration(Number.NaN), '?');
  assert.equal(formatDuration(Number.POSITIVE_INFINITY), '?');
});

test('formatSeconds: whole seconds as written, otherwise one decimal', () => {
  assert.equal(formatSeconds(5000), '5 s');
  assert.equal(formatSeconds(90_000), '90 s');
  assert.equal(formatSeconds(800), '0.8 s');
  assert.equal(formatSeconds(1250), '1.3 s');
  assert.equal(formatSeconds(0), '0 s');
});

test('formatMilliseconds: whole milliseconds, ? when not measured', () => {
  assert.equal(formatMilliseconds(1.234), '1 ms');
  assert.equal(formatMilliseconds(1234.5), '1235 ms');
  assert.equal(formatMilliseconds(undefined), '?');
  assert.equal(formatMilliseconds(Number.NaN), '?');
});
