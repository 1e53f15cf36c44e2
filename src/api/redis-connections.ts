/**
 * The two Redis connections of a replica — one for commands, one held in subscriber mode — configured so
 * a dead or stalled Redis can never make a request wait: no offline queue (commands fail at once while
 * disconnected), no retry of in-flight commands after a drop, and a timeout on every command. The
 * clients reconnect on their own, so caching resumes when Redis returns.
 */
import { settleWithin } from '../kit/settle.js';
import { performance } from 'node:perf_hooks';
import { Redis, type Command, type RedisOptions } from 'ioredis';
import type { WriteableStream } from 'ioredis/built/types.js';
import type { Logger } from '../kit/json-logger.js';
import { pollUntil } from '../kit/poll.js';

export interface RedisConnections {
  commands: Redis;
  subscriber: Redis;
  /** Both connections are ready right now. Cheap: no round trip. */
  isUp(): boolean;
  /** Resolves when both are ready, or false after `timeoutMs`. */
  waitUntilUp(timeoutMs: number): Promise<boolean>;
  close(timeoutMs: number): Promise<void>;
}

export function connectRedis(options: {
  url: string;
  commandTimeoutMs: number;
  replicaId: string;
  logger: Logger;
  /** Each command's round trip on the command connection, answered or failed (a metric). */
  commandTimed?: (seconds: number) => void;
}): RedisConnections {
  const base: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(1000, options.commandTimeoutMs * 2),
    // Reconnect forever, quickly: Redis coming back should be noticed within a second.
    retryStrategy: (times) => Math.min(100 * times, 1000),
  };
  const commands = new Redis(options.url, { ...base, connectionName: `stagegate-api:${options.replicaId}` });
  const subscriber = new Redis(options.url, {
    ...base,
    connectionName: `stagegate-api-sub:${options.replicaId}`,
    autoResubscribe: true,
    // Subscriptions are long-lived; a command timeout would only apply to (un)subscribe replies.
  });
  if (options.commandTimed) timeCommands(commands, options.commandTimed);
  for (const [role, client] of [
    ['commands', commands],
    ['subscriber', subscriber],
  ] as const) {
    watchState(client, role, options.logger);
  }
  const isUp = () => commands.status === 'ready' && subscriber.status === 'ready';
  return {
    commands,
    subscriber,
    isUp,
    waitUntilUp: async (timeoutMs) => {
      await pollUntil(async () => isUp(), { deadline: Date.now() + timeoutMs, intervalMs: 25 });
      return isUp();
    },
    close: async (timeoutMs) => {
      const quit = Promise.allSettled([commands.quit(), subscriber.quit()]);
      await settleWithin(quit, { limitMs: timeoutMs });
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

/**
 * Times every command of a client at the one place all of them pass (ioredis's sendCommand), so no
 * call site of the plan cache, the lock or the channels can forget to: from the moment it is handed to
 * the connection to its reply or its failure (a timeout included).
 */
function timeCommands(client: Redis, observe: (seconds: number) => void): void {
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: Command, stream?: WriteableStream) => {
    const started = performance.now();
    const done = () => observe((performance.now() - started) / 1000);
    command.promise.then(done, done);
    return send(command, stream);
  }) as typeof client.sendCommand;
}

/** Log transitions only (not every failed reconnect), so an outage is a few lines, not a flood. */
function watchState(client: Redis, role: string, logger: Logger): void {
  let up = false;
  let lastError = '';
  client.on('ready', () => {
    up = true;
    lastError = '';
    logger.info('redis connection ready', { connection: role });
  });
  client.on('close', () => {
    if (up) logger.warn('redis connection lost', { connection: role });
    up = false;
  });
  client.on('error', (error: Error) => {
    if (error.message !== lastError) logger.warn('redis error', { connection: role, error: error.message });
    lastError = error.message;
  });
}
