/**
 * The local stage over a real Ollama at a URL (an in-process stand-in here): no simulator is started,
 * the replicas get its URL and the model, the services table shows it as external, and it has no logs
 * of ours. Real redis-server and HAProxy; the fixtures' tiny API.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertNothingLeft } from './local-stage-helpers.js';
import { LocalStageHarness } from './local-stage-harness.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

test('a real Ollama at a URL: used, not started, shown as external; the replicas get its URL and the model', async (t) => {
  const ollama = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      request.url === '/api/tags' ? JSON.stringify({ models: [{ name: 'tiny:1b' }] }) : '{"version":"0"}',
    );
  });
  await new Promise<void>((resolve) => ollama.listen(0, '127.0.0.1', resolve));
  t.after(() => ollama.close());
  const url = `http://127.0.0.1:${(ollama.address() as { port: number }).port}`;

  const driver = new LocalStageHarness({
    // The replica writes the env it got into its log, then serves as the tiny API does.
    apiCommand: {
      command: process.execPath,
      args: [
        '-e',
        `console.log(JSON.stringify({ OLLAMA_URL: process.env.OLLAMA_URL, OLLAMA_MODEL: process.env.OLLAMA_MODEL })); await import(${JSON.stringify(fixture('tiny-api.mjs'))});`,
        '--input-type=module',
      ],
    },
    haproxyConfigPath: fixture('haproxy-shared.cfg'),
    ollamaUrl: `${url}/`,
    ollamaModel: 'tiny:1b',
    prometheus: false,
  });
  t.after(() => driver.teardown());
  const boot = await driver.boot({ replicas: 1, narratorMaxConcurrency: 1, bootTimeoutMs: 30_000 });
  assert.equal(boot.ok, true, boot.reason);
  const row = boot.services.find((entry) => entry.service === 'ollama');
  assert.deepEqual(row, {
    service: 'ollama',
    name: 'ollama',
    state: 'external',
    health: 'healthy',
    address: url,
    notes: [{ kind: 'ollama-external' }],
  });
  assert.equal(driver.urls.ollama, url);
  assert.equal(await driver.logs('ollama', 10), undefined);
  assert.deepEqual(
    driver.processes().map((entry) => entry.name),
    ['redis', 'api-1', 'gateway'],
    'no simulator started',
  );
  const firstLine = readFileSync(join(driver.workDir!, 'api-1.log'), 'utf8').split('\n')[0]!;
  assert.deepEqual(JSON.parse(firstLine), { OLLAMA_URL: url, OLLAMA_MODEL: 'tiny:1b' });

  await new Promise((resolve) => ollama.close(resolve));
  const gone = (await driver.services()).find((entry) => entry.service === 'ollama');
  assert.equal(gone?.health, 'unhealthy');
  await driver.teardown();
  await assertNothingLeft(driver);
});
