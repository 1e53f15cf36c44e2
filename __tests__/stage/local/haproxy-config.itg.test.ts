import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderLocalHaproxyConfig, type LocalServer } from '../../../src/stage/local/haproxy-config.js';
import { resolveReferenceStage } from '../../../src/stage/reference-stage.js';

const run = promisify(execFile);
const fixture = readFileSync(new URL('../fixtures/haproxy-shared.cfg', import.meta.url), 'utf8');
const servers: LocalServer[] = [
  { name: 'api-1', host: '127.0.0.1', port: 41001 },
  { name: 'api-2', host: '127.0.0.1', port: 41002 },
  { name: 'api-3', host: '127.0.0.1', port: 41003 },
];

/** `haproxy -c` on the generated text, with the binds the local stage would set. */
async function haproxyCheck(text: string): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'stagegate-haproxy-check-'));
  try {
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, text);
    const env = { ...process.env, GATEWAY_BIND: '127.0.0.1:41000', STATS_BIND: '127.0.0.1:41009' };
    const { stdout, stderr } = await run('haproxy', ['-c', '-f', file], { env, timeout: 10_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('drops the compose-only block and puts one server line per replica in the api backend', async () => {
  const { text, backend } = renderLocalHaproxyConfig(fixture, servers, 'fixture.cfg');
  assert.equal(backend, 'api');
  assert.doesNotMatch(text, /resolvers|127\.0\.0\.11|server-template/);
  const serverLines = text.split('\n').filter((line) => /^\s*server /.test(line));
  assert.deepEqual(
    serverLines.map((line) => line.trim()),
    [
      'server api-1 127.0.0.1:41001 check',
      'server api-2 127.0.0.1:41002 check',
      'server api-3 127.0.0.1:41003 check',
    ],
  );
  // Everything else (binds from the environment, health checks, retries) is kept as written.
  assert.match(text, /bind "\$\{GATEWAY_BIND\}"/);
  assert.match(text, /option httpchk GET \/healthz/);
  assert.match(text, /option redispatch 1/);
  const check = await haproxyCheck(text);
  assert.ok(check.ok, check.output);
});

test('the real deploy/haproxy/haproxy.cfg generates a config HAProxy accepts', async (t) => {
  const shared = resolveReferenceStage().haproxyConfig;
  if (!existsSync(shared)) return t.skip(`${shared} does not exist`);
  const { text, backend } = renderLocalHaproxyConfig(readFileSync(shared, 'utf8'), servers, shared);
  assert.equal(backend, 'api');
  const configLines = text.split('\n').filter((line) => !line.trim().startsWith('#'));
  assert.equal(configLines.filter((line) => /resolvers|server-template|127\.0\.0\.11/.test(line)).length, 0);
  assert.equal(
    text.split('\n').filter((line) => /^\s*server api-\d 127\.0\.0\.1:\d+ check$/.test(line)).length,
    3,
  );
  const check = await haproxyCheck(text);
  assert.ok(check.ok, check.output);
  // And the check itself can fail: the shared file as is has an unresolvable `api` host and no resolver here.
  const broken = await haproxyCheck(text.replace('127.0.0.1:41001', 'no-such-host.invalid:1'));
  assert.equal(broken.ok, false);
});

test('a shared file missing a marker or a bind variable is refused with a message naming what is missing', () => {
  const cases: Array<[string, RegExp]> = [
    [fixture.replace('# BEGIN api-servers', ''), /"# END api-servers" without a matching begin/],
    [fixture.replace('# END api-servers', ''), /"# BEGIN api-servers" is never closed/],
    [fixture.replace(/# BEGIN api-servers[\s\S]*# END api-servers/, ''), /no "# BEGIN api-servers"/],
    [fixture.replace('# END compose-only', ''), /never closed/],
    [fixture.replace('"${STATS_BIND}"', '*:8404'), /no bind uses "\$\{STATS_BIND\}"/],
    [fixture.replace(/^backend api$/m, 'frontend api2'), /not inside a backend section/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => renderLocalHaproxyConfig(text, servers, 'x.cfg'),
      (error: Error) => {
        assert.match(error.message, /^x\.cfg: /);
        assert.match(error.message, message);
        return true;
      },
    );
  }
  assert.throws(() => renderLocalHaproxyConfig(fixture, []), /at least one api server/);
  assert.throws(
    () => renderLocalHaproxyConfig(fixture, [{ name: 'api 1', host: '127.0.0.1', port: 1 }]),
    /not a valid HAProxy server name/,
  );
});

test('the gateway tells clients its own idle keep-alive timeout, not a replica’s', () => {
  const shared = readFileSync(resolveReferenceStage().haproxyConfig, 'utf8');
  const idleSeconds = /^\s*timeout http-keep-alive (\d+)s$/m.exec(shared)?.[1];
  const advertised = /^\s*http-response set-header Keep-Alive timeout=(\d+)$/m.exec(shared)?.[1];
  assert.ok(idleSeconds, 'timeout http-keep-alive is set in seconds');
  // A client that believes a longer one reuses connections the gateway is closing (no answer at all).
  assert.equal(advertised, idleSeconds);
});
