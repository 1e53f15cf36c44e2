import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toBoolean, toIdList, toLineList, toNumber, toText } from '../../../src/gate/options/coerce.js';
import {
  choice,
  decimal,
  flag,
  idSelection,
  nameList,
  optionalText,
  optionalWholeNumber,
  passthrough,
  question,
  questionLines,
  text,
  wholeNumber,
} from '../../../src/gate/options/row-kinds.js';

const words = { description: 'what it does' };

test('input strings are coerced; blank means "not given"; typed values pass through', () => {
  assert.equal(toNumber(' 5 '), 5);
  assert.equal(toNumber('-1.5'), -1.5);
  assert.equal(toNumber('lots'), 'lots');
  assert.equal(toNumber('  '), undefined);
  assert.equal(toBoolean('Yes'), true);
  assert.equal(toBoolean('off'), false);
  assert.equal(toBoolean('maybe'), 'maybe');
  assert.equal(toBoolean(true), true);
  assert.deepEqual(toIdList('a, b\nc,,'), ['a', 'b', 'c']);
  assert.deepEqual(toLineList('A, with a comma\n\nB'), ['A, with a comma', 'B']);
  assert.equal(toText('  x  '), 'x');
  assert.equal(toText(''), undefined);
});

test('a whole number: the expected form and the default text come from its bounds and default', () => {
  const row = wholeNumber({ ...words, min: 5, max: 3600, default: 300, unit: 'seconds' });
  assert.equal(row.kind, 'number');
  assert.equal(row.expected, 'a whole number of seconds from 5 to 3600');
  assert.equal(row.defaultText, '300');
  assert.equal(row.schema.parse(undefined), 300);
  assert.equal(row.schema.parse(''), 300);
  assert.equal(row.schema.parse('3600'), 3600);
  for (const bad of ['4', '3601', '2.5', 'lots']) assert.equal(row.schema.safeParse(bad).success, false, bad);
  assert.deepEqual(row.surfaces, ['action', 'cli']);

  const noted = wholeNumber({ ...words, min: 30, max: 7200, default: 1200, note: 'above x' });
  assert.equal(noted.expected, 'a whole number from 30 to 7200, above x');
  // A bound no user reaches is not said.
  const optional = optionalWholeNumber({ ...words, min: 1, max: 2_147_483_647 });
  assert.equal(optional.expected, 'a whole number from 1');
  assert.equal(optional.defaultText, '');
  assert.equal(optional.schema.parse(''), undefined);
  assert.equal(optional.schema.parse('7'), 7);
});

test('decimals, flags and choices', () => {
  const factor = decimal({ ...words, min: 1, max: 100, default: 3 });
  assert.equal(factor.expected, 'a number from 1 to 100');
  assert.equal(factor.schema.parse('2.5'), 2.5);
  assert.equal(factor.schema.safeParse('0.5').success, false);

  const build = flag({ ...words, default: true });
  assert.deepEqual([build.kind, build.expected, build.defaultText], ['boolean', 'true or false', 'true']);
  assert.equal(build.schema.parse('no'), false);
  assert.equal(build.schema.safeParse('maybe').success, false);

  const mode = choice({ ...words, values: ['gate', 'publish'], default: 'gate' });
  assert.deepEqual([mode.kind, mode.expected, mode.defaultText], ['enum', 'one of gate, publish', 'gate']);
  assert.equal(mode.schema.parse(' publish '), 'publish');
  assert.equal(mode.schema.safeParse('other').success, false);
});

test('texts: pattern, length, normalisation; an optional one says its length when it has no form', () => {
  const header = text({
    ...words,
    expected: 'a header',
    pattern: /^[a-z-]+$/i,
    maxChars: 10,
    default: 'X-Id',
    normalize: (value) => value.toLowerCase(),
  });
  assert.equal(header.schema.parse(undefined), 'x-id');
  assert.equal(header.schema.parse('X-Other'), 'x-other');
  assert.equal(header.schema.safeParse('x y').success, false);
  assert.equal(header.schema.safeParse('x'.repeat(11)).success, false);

  const key = optionalText({ ...words, maxChars: 100 });
  assert.equal(key.expected, 'at most 100 characters');
  assert.equal(key.schema.parse(''), undefined);
  assert.equal(key.schema.safeParse('k'.repeat(101)).success, false);

  const token = passthrough({ ...words, expected: 'a token', secret: true, surfaces: ['action'] });
  assert.equal(token.schema.parse(undefined), '');
  assert.equal(token.schema.parse('ghs_x'), 'ghs_x');
  assert.deepEqual(token.surfaces, ['action']);
});

test('lists: names, questions, and a selection of known ids', () => {
  const names = nameList({ ...words, expected: 'names', pattern: /^[a-z]+$/, maxItems: 2, default: ['a'] });
  assert.equal(names.defaultText, 'a');
  assert.deepEqual(names.schema.parse('b, c'), ['b', 'c']);
  assert.equal(names.schema.safeParse('b,c,d').success, false);
  assert.equal(names.schema.safeParse('B').success, false);

  const one = question({ ...words, default: 'Q?' });
  assert.match(one.expected, /^a question of at most \d+ characters$/);
  assert.equal(one.schema.parse(''), 'Q?');

  const many = questionLines({ ...words, default: ['A', 'B'], minItems: 2, maxItems: 3 });
  assert.equal(many.expected, 'at least 2 distinct questions, one per line');
  assert.equal(many.defaultText, 'A\nB');
  assert.deepEqual(many.schema.parse('X, y\nZ'), ['X, y', 'Z']);
  assert.equal(many.schema.safeParse('only one').success, false);
  assert.equal(many.schema.safeParse('A\na').success, false, 'duplicates, whatever the case');

  const ids = idSelection({ ...words, ids: ['one', 'two', 'three'], noun: 'step' });
  assert.equal(ids.expected, 'step ids, comma-separated: one, two, three (or all)');
  assert.equal(ids.defaultText, 'all');
  assert.deepEqual(ids.schema.parse('all'), ['one', 'two', 'three']);
  assert.deepEqual(ids.schema.parse('three, one,three'), ['one', 'three']);
  const refused = ids.schema.safeParse('one,four');
  assert.equal(refused.success, false);
  assert.match(refused.error!.issues[0]!.message, /^unknown step 'four'; valid steps: one, two, three/);
});
