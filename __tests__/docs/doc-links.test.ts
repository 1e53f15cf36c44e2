/**
 * Every relative link and anchor in README.md, the other top-level markdown files and docs/ resolves
 * (remark-validate-links); and the check is shown to fail on a broken anchor and a missing file, in a
 * copy of the docs with one link broken.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBrokenLinks, userDocs } from './doc-links.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('every relative link and anchor of README.md and docs/ resolves', async () => {
  const files = userDocs(ROOT);
  assert.ok(files.includes('README.md') && files.includes(join('docs', 'checks.md')), files.join(', '));
  const broken = await findBrokenLinks(ROOT, files);
  assert.deepEqual(
    broken.map((link) => `${link.file}:${link.line}: ${link.message}`),
    [],
  );
});

test('a broken anchor or a missing page is found, with the file and line that hold it', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'stagegate-doc-links-'));
  try {
    for (const file of ['README.md', 'CHANGELOG.md', 'SECURITY.md', 'LICENSE', 'docs'])
      cpSync(join(ROOT, file), join(copy, file), { recursive: true });
    const readme = readFileSync(join(copy, 'README.md'), 'utf8');
    const goodAnchor = '(docs/development.md#tests-by-cost)';
    assert.ok(readme.includes(goodAnchor), 'the README links the tests by cost');
    writeFileSync(
      join(copy, 'README.md'),
      readme.replace(goodAnchor, '(docs/development.md#tests-by-price)') +
        '\nSee [nowhere](docs/no-such-page.md) and [no heading](#no-such-heading).\n',
    );
    const broken = await findBrokenLinks(copy, ['README.md']);
    const said = broken.map((link) => `${link.file}:${link.line}: ${link.message}`).join('\n');
    assert.equal(broken.length, 3, said);
    assert.match(said, /README\.md:\d+: .*tests-by-price/);
    assert.match(said, /README\.md:\d+: .*no-such-page\.md/);
    assert.match(said, /README\.md:\d+: .*no-such-heading/);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});
