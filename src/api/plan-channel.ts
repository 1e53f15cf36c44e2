/**
 * Completion notices of heavy executions over Redis pub/sub, one channel per plan cache key. A
 * subscription buffers what arrives from the moment SUBSCRIBE is acknowledged, so a follower that
 * subscribes, then re-checks the cache, cannot miss a completion published in between.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../kit/json-logger.js';
import type { PlanExecution } from './plan-executor.js';

export type PlanMessage =
  | { kind: 'result'; result: PlanExecution }
  /** The execution threw: current waiters share the failure (nothing is cached). */
  | { kind: 'error'; message: string };

export interface PlanSubscription {
  /** The next message, or undefined when none arrived within `timeoutMs`. */
  next(timeoutMs: number): Promise<PlanMessage | undefined>;
  /** A message that already arrived, without waiting. */
  take(): PlanMessage | undefined;
  close(): void;
}

/** What single-flight needs of the channels; `PlanChannels` in production, an in-memory stand-in in tests. */
export interface PlanCompletionChannels {
  /** Announce a completion to every replica subscribed to `key`. Rejects when Redis is unreachable. */
  publish(key: string, message: PlanMessage): Promise<void>;
  /** Resolves once messages for `key` are buffered; rejects when Redis is unreachable. */
  subscribe(key: string): Promise<PlanSubscription>;
}

const PREFIX = 'stagegate:done:';

interface ChannelState {
  listeners: Set<(message: PlanMessage) => void>;
  subscribed: Promise<unknown>;
}

export class PlanChannels implements PlanCompletionChannels {
  private readonly channels = new Map<string, ChannelState>();

  constructor(
    private readonly subscriber: Redis,
    private readonly publisher: Redis,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string, raw: string) => this.dispatch(channel, raw));
  }

  async publish(key: string, message: PlanMessage): Promise<void> {
    await this.publisher.publish(PREFIX + key, JSON.stringify(message));
  }

  /** Resolves once Redis has acknowledged the subscription; rejects when Redis is unreachable. */
  async subscribe(key: string): Promise<PlanSubscription> {
    const channel = PREFIX + key;
    const inbox = new PlanInbox();
    const listener = (message: PlanMessage) => inbox.push(message);
    let state = this.channels.get(channel);
    if (!state) {
      state = { listeners: new Set(), subscribed: this.subscriber.subscribe(channel) };
      this.channels.set(channel, state);
    }
    state.listeners.add(listener);
    const current = state;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      current.listeners.delete(listener);
      if (current.listeners.size === 0 && this.channels.get(channel) === current) {
        this.channels.delete(channel);
        this.subscriber.unsubscribe(channel).catch(() => {
          // Disconnected: the subscription died with the connection anyway.
        });
      }
    };
    try {
      await current.subscribed;
    } catch (error) {
      close();
      throw error;
    }
    return { close, take: () => inbox.take(), next: (timeoutMs) => inbox.next(timeoutMs) };
  }

  private dispatch(channel: string, raw: string): void {
    const state = this.channels.get(channel);
    if (!state) return;
    let message: PlanMessage;
    try {
      message = JSON.parse(raw) as PlanMessage;
    } catch {
      this.logger.warn('ignored malformed completion message', { channel });
      return;
    }
    for (const listener of state.listeners) listener(message);
  }
}

/** The messages of one subscription, in arrival order, and a bounded wait for the next one. */
export class PlanInbox {
  private readonly queue: PlanMessage[] = [];
  private wake: (() => void) | undefined;

  push(message: PlanMessage): void {
    this.queue.push(message);
    this.wake?.();
  }

  take(): PlanMessage | undefined {
    return this.queue.shift();
  }

  next(timeoutMs: number): Promise<PlanMessage | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(this.queue.shift());
      };
    });
  }
}
