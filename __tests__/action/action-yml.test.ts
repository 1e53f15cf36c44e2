import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { findInputsTable, renderActionYml, renderInputsTable } from '../../src/action/action-yml.js';
import { CHECK_OUTPUTS, OUTPUTS } from '../../src/action/constants.js';
import { GATE_OPTIONS, GITHUB_OPTIONS, parseGateSettings } from '../../src/gate/settings.js';

interface ActionYml {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: Record<string, string>;
}

const text = readFileSync(new URL('../../action.yml', import.meta.url), 'utf8');
const action = parse(text) as ActionYml;

test('action.yml is the generated one (regenerate: npx tsx src/action/action-yml.ts > action.yml)', () => {
  assert.equal(
    text,
    renderActionYml(),
    'action.yml is stale: run npx tsx src/action/action-yml.ts > action.yml',
  );
});

test('a node24 action with a main and an always-run post step, both bundled in dist/', () => {
  assert.deepEqual(action.runs, {
    using: 'node24',
    main: 'dist/index.js',
    post: 'dist/post/index.js',
    'post-if': 'always()',
  });
});

test('every gate option is an input with its description and the default the settings use', () => {
  for (const option of GATE_OPTIONS) {
    const input = action.inputs[option.kebab];
    assert.ok(input, `input ${option.kebab} is in action.yml`);
    assert.ok(input.description.length > 20, `${option.kebab} has a description`);
    assert.ok(input.description.includes(option.expected), `${option.kebab} says the expected form`);
    assert.equal(input.required, false);
    const expected = option.action?.default ?? option.defaultText;
    assert.equal(input.default, expected, `default of ${option.kebab}`);
  }
  // Each default, passed as the runner would, parses to what the gate uses by itself.
  const fromYml = Object.fromEntries(
    GATE_OPTIONS.map((option) => [option.name, action.inputs[option.kebab]!.default ?? '']),
  );
  const parsed = parseGateSettings(fromYml);
  const bare = parseGateSettings({});
  for (const option of GATE_OPTIONS) {
    if (option.action?.default !== undefined) continue;
    assert.deepEqual(
      parsed[option.name],
      bare[option.name],
      `${option.kebab}: action.yml default = settings default`,
    );
  }
});

test('the action-only inputs and nothing else', () => {
  const actionOnly = GITHUB_OPTIONS.filter((o) => o.surfaces.includes('action')).map((o) => o.kebab);
  assert.deepEqual(actionOnly, ['github-token', 'pr-comment', 'comment-key']);
  const expected = [...GATE_OPTIONS.map((o) => o.kebab), ...actionOnly].sort();
  assert.deepEqual(Object.keys(action.inputs).sort(), expected);
  assert.equal(action.inputs['github-token']!.default, '${{ github.token }}');
  assert.equal(action.inputs['pr-comment']!.default, 'true');
});

test('every output the action sets is declared with a description', () => {
  const expected = [...Object.values(OUTPUTS), ...CHECK_OUTPUTS].sort();
  assert.deepEqual(Object.keys(action.outputs).sort(), expected);
  for (const [name, output] of Object.entries(action.outputs))
    assert.ok(output.description.length > 10, name);
});

test("docs/inputs.md's table of inputs is the generated one (regenerate: npx tsx src/action/action-yml.ts --readme)", () => {
  const readme = readFileSync(new URL('../../docs/inputs.md', import.meta.url), 'utf8');
  assert.equal(findInputsTable(readme).text, renderInputsTable());
  // One row per input of action.yml, in its order, each with the default action.yml holds.
  const rows = renderInputsTable().split('\n').slice(2);
  assert.deepEqual(
    rows.map((row) => /^\| `([^`]+)` \|/.exec(row)?.[1]),
    Object.keys(action.inputs),
  );
  assert.ok(rows.some((row) => row.startsWith('| `replicas` | `3` |')));
  assert.ok(rows.some((row) => row.startsWith('| `log-dir` | `.stagegate/logs` |')));
  assert.ok(rows.some((row) => row.startsWith('| `base-url` | _(blank)_ |')));
});
