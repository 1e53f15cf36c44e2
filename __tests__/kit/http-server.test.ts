/** The shared node:http plumbing, on an in-process server on 127.0.0.1. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { loggedStatus, readBodyBytes, requestPath, serveHttp, writeJson } from '../../src/kit/http-server.js';

test('requestPath: the path of a URL, / when it cannot be parsed', () => {
  assert.equal(requestPath('/ask?x=1'), '/ask');
  assert.equal(requestPath(undefined), '/');
  assert.equal(requestPath('http://[::1'), '/');
});

test('writeJson and readBodyBytes: a body under the cap is echoed, one over it is refused', async () => {
  const statuses: number[] = [];
  const http = serveHttp((req, res) => {
    res.once('close', () => statuses.push(loggedStatus(res)));
    void readBodyBytes(req, 16).then((bytes) => {
      if (bytes === 'too-large') return writeJson(res, 413, { error: 'too large' }, { connection: 'close' });
      if (bytes === 'aborted') return;
      writeJson(res, 200, { got: bytes.toString('utf8') }, { 'content-type': 'text/plain' });
    });
  });
  const { port } = await http.listen(0, '127.0.0.1');
  try {
    const small = await post(port, 'hello');
    assert.equal(small.status, 200);
    assert.equal(small.type, 'application/json; charset=utf-8', 'the content type cannot be overridden');
    assert.deepEqual(JSON.parse(small.body), { got: 'hello' });
    const large = await post(port, 'x'.repeat(64));
    assert.equal(large.status, 413);
    assert.deepEqual(JSON.parse(large.body), { error: 'too large' });
    assert.deepEqual(statuses, [200, 413]);
  } finally {
    await http.close(100);
  }
});

test('close: waits for a request in flight (up to the grace), then closes', async () => {
  let answered = false;
  const http = serveHttp((_req, res) => {
    setTimeout(() => {
      answered = true;
      writeJson(res, 200, { ok: true });
    }, 150);
  });
  const { port } = await http.listen(0, '127.0.0.1');
  const pending = post(port, '');
  await new Promise((resolve) => setTimeout(resolve, 50));
  await http.close(5000);
  assert.ok(answered, 'the request in flight was answered before close resolved');
  assert.equal((await pending).status, 200);
});

test('listen: a port in use is a rejected promise, not a crash', async () => {
  const first = serveHttp(() => {});
  const { port } = await first.listen(0, '127.0.0.1');
  try {
    await assert.rejects(serveHttp(() => {}).listen(port, '127.0.0.1'), /EADDRINUSE/);
  } finally {
    await first.close(100);
  }
});

function post(port: number, body: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type']),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}
