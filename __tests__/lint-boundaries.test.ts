/**
 * The boundaries of the house are lint rules (.ci/eslint.config.js); these tests prove each rule fires
 * on a new violation, by linting in-memory snippets as if they were files at the given paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: '.ci/eslint.config.js' });

/** The no-restricted-imports messages for `code` placed at `path` (relative to the repository). */
async function restrictedImports(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  assert.ok(result, path);
  return result.messages
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

test('no file under src/checks/ imports src/gate/', async () => {
  const found = await restrictedImports(
    'src/checks/new-check.ts',
    "import type { GateSettings } from '../gate/settings.js';\nexport type S = GateSettings;\n",
  );
  assert.equal(found.length, 1);
  assert.match(found[0]!, /never imports src\/gate/);
  // What checks may import stays allowed.
  assert.deepEqual(
    await restrictedImports(
      'src/checks/new-check.ts',
      "import type { StageDriver } from '../stage/driver.js';\nexport type D = StageDriver;\n",
    ),
    [],
  );
});

test('nothing under src/ollama-sim/ imports src/api/', async () => {
  const found = await restrictedImports(
    'src/ollama-sim/new-part.ts',
    "import { createJsonLogger } from '../api/logger.js';\nexport const log = createJsonLogger;\n",
  );
  assert.equal(found.length, 1);
  assert.match(found[0]!, /never imports src\/api/);
});

test('nothing under src/kit/ imports the rest of the project', async () => {
  const found = await restrictedImports(
    'src/kit/new-mechanism.ts',
    "import type { GateReport } from '../report/model.js';\nexport type R = GateReport;\n",
  );
  assert.equal(found.length, 1);
  assert.match(found[0]!, /imports nothing of the project/);
  assert.deepEqual(
    await restrictedImports(
      'src/kit/new-mechanism.ts',
      "import { pause } from './poll.js';\nexport const p = pause;\n",
    ),
    [],
  );
});

test('nothing outside src/action/ and src/github/ imports @actions/*', async () => {
  const snippet = "import * as core from '@actions/core';\nexport const c = core;\n";
  for (const path of ['src/gate/new.ts', 'src/cli/new.ts', 'src/report/new.ts', 'src/checks/new.ts'])
    assert.equal((await restrictedImports(path, snippet)).length, 1, path);
  assert.match((await restrictedImports('src/ollama-sim/new.ts', snippet))[0]!, /Only src\/action/);
  for (const path of ['src/action/new.ts', 'src/github/new.ts'])
    assert.deepEqual(await restrictedImports(path, snippet), [], path);
});
