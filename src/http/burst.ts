/**
 * Fire N requests truly at once: every TCP (or TLS) connection is opened beforehand, then all requests
 * are released in one synchronous loop, each on its own connection. The moment each request's headers
 * left the gate is taken from undici's `undici:client:sendHeaders` diagnostics channel, so the report
 * shows the real dispatch spread rather than assuming one.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect as connectTcp, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as connectTls } from 'node:tls';
import { buildConnector, Client } from 'undici';
import type { HttpExchange } from './http-exchange.js';
import { closeDispatcher, exchangeOnce, joinUrl } from './gate-http-client.js';

export interface BurstRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Sent as JSON. */
  body?: unknown;
}

export interface BurstResult {
  exchanges: HttpExchange[];
  /** Time spent opening every connection before the release. */
  connectMs: number;
  /** Connections that could not be opened beforehand (those requests connected on release). */
  preconnectFailures: number;
  /** Milliseconds between the first and the last request's headers leaving the gate. */
  dispatchSpreadMs?: number;
}

const SEND_HEADERS_CHANNEL = 'undici:client:sendHeaders';

/** Open one connection to `url`'s origin; resolves undefined when it cannot within `timeoutMs`. */
function openConnection(url: URL, timeoutMs: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket: Socket =
      url.protocol === 'https:'
        ? connectTls({ host, port, servername: host, ALPNProtocols: ['http/1.1'] })
        : connectTcp({ host, port });
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(ok: boolean) {
      clearTimeout(timer);
      socket.off('error', onError);
      if (ok) {
        // Errors after this point belong to undici, which attaches its own handlers on release.
        socket.on('error', () => undefined);
        resolve(socket);
      } else {
        socket.destroy();
        resolve(undefined);
      }
    }
    const onError = () => finish(false);
    socket.once('error', onError);
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => finish(true));
  });
}

export async function fireBurst(options: {
  baseUrl: string;
  requests: BurstRequest[];
  timeoutMs: number;
  signal?: AbortSignal;
  bodyLimitBytes?: number;
}): Promise<BurstResult> {
  const origin = new URL(options.baseUrl).origin;
  const fallbackConnector = buildConnector({ timeout: options.timeoutMs });
  const connectStarted = performance.now();
  const sockets = await Promise.all(
    options.requests.map((entry) =>
      openConnection(joinUrl(options.baseUrl, entry.path), Math.min(options.timeoutMs, 10_000)),
    ),
  );
  const connectMs = performance.now() - connectStarted;

  // Only these connections' sends count: other requests of the gate (e.g. probes) share the channel.
  const ours = new Set<Socket>(sockets.filter((socket): socket is Socket => socket !== undefined));
  const clients = sockets.map((socket) => {
    let preopened = socket;
    return new Client(origin, {
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      // Hand undici the connection opened beforehand; a reconnect (if any) goes the normal way.
      connect: (connectOptions, callback) => {
        if (preopened && !preopened.destroyed) {
          const ready = preopened;
          preopened = undefined;
          // Asynchronously: undici ignores a resume re-entered from inside its own connect call.
          queueMicrotask(() => callback(null, ready));
          return;
        }
        fallbackConnector(connectOptions, (error, fresh) => {
          if (fresh) ours.add(fresh as Socket);
          callback(error, fresh as never);
        });
      },
    });
  });

  const sentAt = new Map<Socket, number>();
  const onSendHeaders = (message: unknown) => {
    const socket = (message as { socket?: Socket }).socket;
    if (socket && ours.has(socket) && !sentAt.has(socket)) sentAt.set(socket, performance.now());
  };
  subscribe(SEND_HEADERS_CHANNEL, onSendHeaders);
  try {
    const release = performance.now();
    const pending = options.requests.map((entry, index) =>
      exchangeOnce({
        dispatcher: clients[index]!,
        url: joinUrl(options.baseUrl, entry.path),
        method: entry.method,
        path: entry.path,
        body: entry.body === undefined ? undefined : JSON.stringify(entry.body),
        headers: entry.body === undefined ? undefined : { 'content-type': 'application/json' },
        timeoutMs: options.timeoutMs,
        runSignal: options.signal,
        bodyLimitBytes: options.bodyLimitBytes,
        origin: release,
      }),
    );
    const exchanges = await Promise.all(pending);
    const sendTimes = [...sentAt.values()];
    return {
      exchanges,
      connectMs,
      preconnectFailures: sockets.filter((socket) => socket === undefined).length,
      dispatchSpreadMs:
        sendTimes.length >= 2
          ? Math.max(...sendTimes) - Math.min(...sendTimes)
          : sendTimes.length
            ? 0
            : undefined,
    };
  } finally {
    unsubscribe(SEND_HEADERS_CHANNEL, onSendHeaders);
    await Promise.all(clients.map((client) => closeDispatcher(client, 200)));
    for (const socket of sockets) socket?.destroy();
  }
}
