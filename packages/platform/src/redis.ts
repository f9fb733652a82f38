import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from './logger';

export type { Redis };

export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3, enableReadyCheck: true, ...options });
}

type Handler = (payload: unknown) => void;

/**
 * Live events over Redis pub/sub. One publishing connection and one subscriber connection per
 * instance; channels are reference-counted so a channel is subscribed once however many
 * listeners it has. The prefix is applied by hand: ioredis `keyPrefix` does not cover PUBLISH.
 */
export class PubSub {
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly subscriber: Redis;

  constructor(
    private readonly publisher: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.subscriber = publisher.duplicate();
    this.subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    await this.publisher.publish(this.prefix + channel, JSON.stringify(payload));
  }

  /** Listen to a channel; the returned function stops listening. */
  async subscribe(channel: string, handler: Handler): Promise<() => Promise<void>> {
    const full = this.prefix + channel;
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      await this.subscriber.subscribe(full);
    }
    set.add(handler);
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      const current = this.handlers.get(full);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(full);
        await this.subscriber.unsubscribe(full);
      }
    };
  }

  /**
   * The channel as an async iterator for a GraphQL subscription. Written by hand so that
   * `return()` (client gone) unsubscribes at once even while no event is pending; the buffer
   * is bounded, dropping the oldest events of a consumer that cannot keep up.
   */
  iterate<T>(channel: string, options: { maxBuffer?: number; filter?: (payload: T) => boolean } = {}): AsyncIterableIterator<T> {
    const maxBuffer = options.maxBuffer ?? 1000;
    const buffer: T[] = [];
    const waiting: ((r: IteratorResult<T>) => void)[] = [];
    let done = false;
    const ready = this.subscribe(channel, (payload) => {
      const value = payload as T;
      if (done || (options.filter && !options.filter(value))) return;
      const next = waiting.shift();
      if (next) return next({ value, done: false });
      buffer.push(value);
      if (buffer.length > maxBuffer) buffer.shift();
    });
    const finish = async (): Promise<IteratorResult<T>> => {
      if (!done) {
        done = true;
        for (const w of waiting.splice(0)) w({ value: undefined, done: true });
        buffer.length = 0;
        await (await ready)();
      }
      return { value: undefined, done: true };
    };
    return {
      next: async () => {
        await ready;
        if (buffer.length) return { value: buffer.shift() as T, done: false };
        if (done) return { value: undefined, done: true };
        return new Promise<IteratorResult<T>>((resolve) => waiting.push(resolve));
      },
      return: finish,
      throw: async (err) => {
        await finish();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  get channelCount(): number {
    return this.handlers.size;
  }

  /** Wait until the subscriber connection is up, so a stop never races a pending connect. */
  async ready(): Promise<void> {
    await this.subscriber.ping();
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await this.subscriber.quit();
  }

  private dispatch(channel: string, message: string) {
    const set = this.handlers.get(channel);
    if (!set) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch (err) {
      this.logger.warn({ err, channel }, 'dropped a malformed pub/sub message');
      return;
    }
    for (const handler of set) handler(payload);
  }
}
