/**
 * A tiny stage for the action's end-to-end tests, driven with `driver: external`: a node:http server
 * answering GET /healthz in turn as each of the given replica ids (in the replica header), or 503 when
 * it is "down". Enough for the boot probe and the load-balancing check; anything else is a 404.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { REPLICA_HEADER, ROUTES } from '../../src/contract/index.js';

export interface FakeStage {
  baseUrl: string;
  healthzServed: number;
  close(): Promise<void>;
}

export interface FakeStageOptions {
  /** Every /healthz answers 503. */
  down?: boolean;
  /** Only the first N /healthz get an answer; later ones are held open (a stage that stopped answering). */
  answerOnly?: number;
  /** Every `every`th /healthz answers 500 with `body` (a stage whose errors quote its configuration). */
  failing?: { every: number; body: string };
}

export async function startFakeStage(
  replicaIds: string[],
  options: FakeStageOptions = {},
): Promise<FakeStage> {
  let next = 0;
  const sockets = new Set<Socket>();
  const stage = { healthzServed: 0 };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === ROUTES.healthz) {
      if (options.down) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('starting');
        return;
      }
      if (options.answerOnly !== undefined && stage.healthzServed >= options.answerOnly) return;
      if (options.failing && (stage.healthzServed + 1) % options.failing.every === 0) {
        stage.healthzServed++;
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(options.failing.body);
        return;
      }
      const replica = replicaIds[next++ % replicaIds.length]!;
      stage.healthzServed++;
      res.writeHead(200, { 'content-type': 'application/json', [REPLICA_HEADER]: replica });
      res.end(JSON.stringify({ status: 'ok', replica, uptime_s: 1, redis: 'up' }));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not_found"}');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(stage, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
