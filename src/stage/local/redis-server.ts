/** A real, throwaway redis-server (Debian's) on a free loopback port, no persistence. */
import { join } from 'node:path';
import { Socket } from 'node:net';
import { findFreePort, ManagedProcess, waitUntil } from './process.js';

export interface RedisServer {
  port: number;
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** PING over a raw socket: true once Redis answers +PONG. */
export async function redisPing(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

export async function startRedisServer(options: {
  workDir: string;
  port?: number;
  name?: string;
  startTimeoutMs?: number;
}): Promise<RedisServer> {
  const port = options.port ?? (await findFreePort());
  const name = options.name ?? 'redis';
  const managed = new ManagedProcess({
    name,
    command: process.env.REDIS_SERVER_BIN ?? 'redis-server',
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      options.workDir,
      '--loglevel',
      'warning',
    ],
    logFile: join(options.workDir, `${name}.log`),
  });
  try {
    await waitUntil(async () => managed.running && (await redisPing(port)), {
      timeoutMs: options.startTimeoutMs ?? 10_000,
      what: `redis-server on port ${port}`,
    });
  } catch (error) {
    await managed.stop();
    throw new Error(
      `${(error as Error).message} (${managed.describeState()}; is redis-server installed? log: ${managed.logFile})`,
    );
  }
  return { port, url: `redis://127.0.0.1:${port}`, process: managed, stop: () => managed.stop() };
}
