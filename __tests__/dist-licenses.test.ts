/**
 * dist/ is what users run and what a company redistributes when it vendors the action: every package
 * bundled into it must be listed in dist/licenses.txt with its license text, under a license that
 * lets a company ship it (MIT, ISC, Apache-2.0, BSD). The bundles say which packages they hold (ncc
 * keeps a `MODULE: ./node_modules/<package>/…` comment for each ES module), and node_modules says
 * what each package's license is: the list is checked against both, not against itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './action/run-entry.js';

/** The licenses a bundled package may have (SPDX ids). */
const ALLOWED_LICENSES = ['MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD'];
const DIST = join(REPO_ROOT, 'dist');
const NODE_MODULES = join(REPO_ROOT, 'node_modules');

interface LicenseEntry {
  name: string;
  license: string;
  text: string;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const manifestOf = (name: string): { license?: unknown } | undefined => {
  const file = join(NODE_MODULES, name, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { license?: unknown }) : undefined;
};

/**
 * ncc's licenses.txt layout: entries sorted by name, each `name`, `license`, the license text, then a
 * blank line. License texts hold blank lines too, so an entry starts only where a blank line is
 * followed by the name of an installed package.
 */
function parseLicenses(text: string): LicenseEntry[] {
  const lines = text.split('\n');
  const starts = lines
    .map((line, index) => index)
    .filter(
      (index) =>
        (index === 0 || lines[index - 1] === '') &&
        /^(@[\w.-]+\/)?[\w.-]+$/.test(lines[index]!) &&
        manifestOf(lines[index]!) !== undefined,
    );
  return starts.map((start, i) => ({
    name: lines[start]!,
    license: lines[start + 1] ?? '',
    text: lines
      .slice(start + 2, starts[i + 1] ?? lines.length)
      .join('\n')
      .trim(),
  }));
}

/** An SPDX expression is allowed when every part of an AND, or one part of an OR, is allowed. */
function isAllowed(expression: string): boolean {
  const ids = expression
    .replace(/[()]/g, ' ')
    .split(/\s+(?:AND|OR)\s+/)
    .map((id) => id.trim());
  const allowed = (id: string) => ALLOWED_LICENSES.includes(id);
  return / AND /.test(expression) ? ids.every(allowed) : ids.some(allowed);
}

/** Packages each bundle holds, by ncc's module comments: bundle file → package names. */
function bundledPackages(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const file of filesUnder(DIST).filter((path) => path.endsWith('.js'))) {
    const names = new Set<string>();
    for (const [, path] of readFileSync(file, 'utf8').matchAll(/ MODULE: (\.\/node_modules\/\S+)/g)) {
      // The last node_modules/ segment: @actions/github/node_modules/undici is undici.
      const name = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path!)?.[1];
      if (name) names.add(name);
    }
    if (names.size > 0) found.set(relative(REPO_ROOT, file), names);
  }
  return found;
}

const BUNDLED = bundledPackages();
const realLicenses = () => readFileSync(join(DIST, 'licenses.txt'), 'utf8');

/** What is wrong with a licenses.txt for dist/ as it is bundled: one line per problem, naming the package. */
function licenseProblems(licensesText: string): string[] {
  const entries = new Map(parseLicenses(licensesText).map((entry) => [entry.name, entry]));
  const problems: string[] = [];
  for (const [bundle, names] of BUNDLED)
    for (const name of names)
      if (!entries.has(name)) problems.push(`${name}: bundled into ${bundle} but not in dist/licenses.txt`);
  for (const entry of entries.values()) {
    if (!isAllowed(entry.license))
      problems.push(`${entry.name}: license '${entry.license}' is not one of ${ALLOWED_LICENSES.join(', ')}`);
    const declared = manifestOf(entry.name)?.license;
    if (typeof declared === 'string' && declared !== entry.license)
      problems.push(`${entry.name}: listed as '${entry.license}', its package.json says '${declared}'`);
    if (!/licen[cs]e|copyright|permission/i.test(entry.text))
      problems.push(`${entry.name}: no license text in dist/licenses.txt`);
  }
  return problems;
}

test('the bundles were read: the action, post, CLI, api and simulator bundles hold packages', () => {
  const bundles = [...BUNDLED.keys()];
  for (const bundle of ['dist/index.js', 'dist/post/index.js', 'dist/cli/index.js', 'dist/api/index.js'])
    assert.ok(bundles.includes(bundle), `${bundle} among ${bundles.join(', ')}`);
  assert.ok(BUNDLED.get('dist/index.js')!.has('@actions/core'));
  assert.ok(BUNDLED.get('dist/api/index.js')!.has('ioredis'));
});

test('every package bundled into dist/ is in dist/licenses.txt, with its text and an allowed license', () => {
  assert.deepEqual(licenseProblems(realLicenses()), []);
  // Each bundle's own list (ncc's place for it) is part of the whole one, entry for entry.
  const whole = new Map(parseLicenses(realLicenses()).map((entry) => [entry.name, entry]));
  for (const file of filesUnder(DIST).filter((path) => path.endsWith('licenses.txt')))
    for (const entry of parseLicenses(readFileSync(file, 'utf8')))
      assert.deepEqual(whole.get(entry.name), entry, `${relative(REPO_ROOT, file)}: ${entry.name}`);
  // sql.js is copied (its glue and .wasm read as files), not bundled as a module: listed all the same.
  assert.ok(whole.has('sql.js'));
});

test('a copy with a bundled package’s license removed fails, naming the package', () => {
  const entries = parseLicenses(realLicenses());
  const removed = entries.find((entry) => entry.name === '@actions/core')!;
  const copy = realLicenses().replace(`${removed.name}\n${removed.license}\n${removed.text}\n\n`, '');
  assert.notEqual(copy, realLicenses(), 'the entry was cut out of the copy');
  assert.deepEqual(licenseProblems(copy), [
    '@actions/core: bundled into dist/index.js but not in dist/licenses.txt',
    '@actions/core: bundled into dist/post/index.js but not in dist/licenses.txt',
  ]);
});

test('a copy with a license outside the allowed ones, or without its text, fails, naming the package', () => {
  const zod = parseLicenses(realLicenses()).find((entry) => entry.name === 'zod')!;
  const relicensed = realLicenses().replace(`zod\n${zod.license}\n`, 'zod\nGPL-3.0-only\n');
  assert.deepEqual(licenseProblems(relicensed), [
    `zod: license 'GPL-3.0-only' is not one of ${ALLOWED_LICENSES.join(', ')}`,
    `zod: listed as 'GPL-3.0-only', its package.json says 'MIT'`,
  ]);
  const textless = realLicenses().replace(`zod\n${zod.license}\n${zod.text}\n`, `zod\n${zod.license}\n`);
  assert.deepEqual(licenseProblems(textless), ['zod: no license text in dist/licenses.txt']);
});

test('an SPDX expression: an OR needs one allowed part, an AND needs all', () => {
  assert.ok(isAllowed('MIT'));
  assert.ok(isAllowed('(MIT OR GPL-3.0-only)'));
  assert.ok(!isAllowed('MIT AND GPL-3.0-only'));
  assert.ok(!isAllowed('SSPL-1.0'));
  assert.ok(!isAllowed(''));
});
