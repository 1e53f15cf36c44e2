/**
 * The CLI has no runner masking its output: a stage that echoes the secrets of the CLI's environment
 * (in its answers, its errors and its log) must not get them onto the terminal or into the --json file.
 * The stage is real HTTP (a node:http server on 127.0.0.1, driven with `--driver external`); the CLI
 * runs in this process with that environment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/run-cli.js';
import { REDACTED } from '../../src/report/redact.js';
import type { GateReport } from '../../src/report/model.js';
import { ExternalStageDriver } from '../../src/stage/external/external-driver.js';
import { startFakeStage } from '../fixtures/fake-stage.js';

// Neither is shaped like a GitHub token: only the environment says they are secrets.
const GITHUB_TOKEN = 'plain-token-value-7f3a9c';
const MY_API_SECRET = 'swordfish-0451-e2b';

/** The external driver, plus a log the stage "wrote" (an external stage's logs are not visible). */
class ExternalStageWithLog extends ExternalStageDriver {
  constructor(
    baseUrl: string,
    private readonly lines: string[],
  ) {
    super({ baseUrl });
  }

  override async logs(): Promise<string[]> {
    return this.lines;
  }
}

test('a stage echoing GITHUB_TOKEN and MY_API_SECRET: neither reaches stdout, stderr nor --json; the report is otherwise whole', async (t) => {
  const stage = await startFakeStage({
    replicas: ['api-1', 'api-2', `api-${MY_API_SECRET}`],
    healthzFailEvery: 5,
    echo: `bad token ${GITHUB_TOKEN}`,
  });
  t.after(() => stage.close());
  const dir = mkdtempSync(join(tmpdir(), 'cli-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const jsonPath = join(dir, 'report.json');
  const stageLog = [
    `starting with GITHUB_TOKEN=${GITHUB_TOKEN}`,
    `MY_API_SECRET=${MY_API_SECRET} loaded`,
    'listening',
  ];

  let stdout = '';
  let stderr = '';
  const argv = [
    ...['--driver', 'external', '--base-url', stage.baseUrl, '--json', jsonPath, '--language', 'en'],
    ...['--checks', 'stage-up,load-balancing', '--healthz-requests', '20'],
  ];
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { GITHUB_TOKEN, MY_API_SECRET, NO_COLOR: '1' },
    createDriver: (settings) => new ExternalStageWithLog(settings.baseUrl ?? '', stageLog),
  });
  const json = readFileSync(jsonPath, 'utf8');
  for (const [where, text] of [
    ['stdout', stdout],
    ['stderr', stderr],
    ['the JSON file', json],
  ] as const) {
    // Not even the start of one that a snippet cut short (`"bad token plain-token-val…`).
    for (const secret of [GITHUB_TOKEN, MY_API_SECRET])
      assert.ok(!text.includes(secret.slice(0, 8)), `${where} holds ${secret}, or its start:\n${text}`);
    assert.ok(text.includes(REDACTED), `${where} shows where a secret was:\n${text}`);
  }

  // The stage's answers went through: the secrets were in what the gate saw, and only they are gone.
  assert.ok(stage.healthzServed >= 20, `the stage answered ${stage.healthzServed} /healthz`);
  const report = JSON.parse(json) as GateReport;
  assert.equal(code, 1, `load-balancing fails on the 500s\n${stdout}\n${stderr}`);
  assert.equal(report.verdict, 'not-ready');
  assert.deepEqual(
    report.checks.map((check) => [check.id, check.status]),
    [
      ['stage-up', 'pass'],
      ['load-balancing', 'fail'],
      ['plan-cache-single-flight', 'skipped'],
      ['private-isolation', 'skipped'],
      ['narrator-saturation', 'skipped'],
      ['chat-capacity', 'skipped'],
    ],
  );
  const loadBalancing = report.checks[1]!;
  assert.match(loadBalancing.reason, /HTTP 500/);
  assert.ok(
    JSON.stringify(loadBalancing.evidence).includes(`api-${REDACTED}`),
    'the replica is named, scrubbed',
  );
  assert.deepEqual(report.serviceLogs?.services[0]?.lines, [
    `starting with GITHUB_TOKEN=${REDACTED}`,
    `MY_API_SECRET=${REDACTED} loaded`,
    'listening',
  ]);
  // The terminal report and the progress log say the same, scrubbed.
  assert.match(stdout, /api-\*\*\*/);
  assert.match(stdout, /load-balancing/);
  assert.match(stderr, /starting with GITHUB_TOKEN=\*\*\*/);
  assert.match(stderr, /report: JSON written to /);
});
