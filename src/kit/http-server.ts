/**
 * The node:http plumbing the API and the Ollama simulator share: a server that counts the requests it
 * is answering (so a shutdown can wait for them), listen and graceful close, JSON answers, the path of
 * a request, the status to log for it, and reading a request body with a byte cap. What a body must
 * contain, and the words of each refusal, stay with each service.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpService {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stop accepting, let in-flight requests finish for up to `graceMs`, then close every socket. */
  close(graceMs: number): Promise<void>;
}

export function serveHttp(handler: (req: IncomingMessage, res: ServerResponse) => void): HttpService {
  let inFlight = 0;
  let drained: (() => void) | undefined;
  // Node checks request and header timeouts only this often (30 s by default), so a stalled request
  // would be cut up to 30 s after its timeout: checked every second, the bound is what it says.
  const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    handler(req, res);
  });
  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: async (graceMs) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

/** One JSON answer with its length; `headers` cannot override the content type or length. */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The path of a request's URL, `/` when it cannot be parsed. */
export function requestPath(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

/** The status to log once a response closed: 499 (nginx's "client closed request") when nothing was sent. */
export function loggedStatus(res: ServerResponse): number {
  return res.headersSent ? res.statusCode : 499;
}

/** The body bytes, or why they could not be had. Stops listening as soon as `maxBytes` is passed. */
export function readBodyBytes(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | 'too-large' | 'aborted') => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onAbort = () => finish('aborted');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onAbort);
  });
}
