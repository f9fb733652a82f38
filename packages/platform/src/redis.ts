import Redis, { type RedisOptions } from 'ioredis';
import { createChannel } from './channel';
import { withDeadline } from './deadline';
import { serviceUnavailable } from './errors';
import type { Logger } from './logger';

export type { Redis };

/** A Redis connection whose errors go to the JSON log (ioredis would print them to stderr). */
export function createRedis(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  // disconnectTimeout: a connection closed while still connecting (Redis down or hung) would otherwise
  // keep a 2 s timer alive after close(), holding a stopping process (and a test worker) for it.
  const redis = new Redis(url, { maxRetriesPerRequest: 3, enableReadyCheck: true, disconnectTimeout: 100, ...options });
  logRedisErrors(redis, logger);
  return redis;
}

/**
 * How long a best-effort call (a publish after a committed write, QUIT at shutdown) waits for a
 * Redis that does not answer: ioredis queues commands until it reconnects, which may be never.
 */
export const REDIS_PATIENCE_MS = 1000;

/** QUIT politely, but a Redis that does not answer must not hold a shutdown: then drop the socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  await withDeadline(redis.quit(), REDIS_PATIENCE_MS, 'Redis QUIT').catch(() => undefined);
  redis.disconnect();
}

// ioredis retries with backoff and emits an error per failed attempt; log each, as a warning.
const logRedisErrors = (redis: Redis, logger: Logger) => redis.on('error', (err: Error) => logger.warn({ err }, 'Redis connection error'));

type Handler = (payload: unknown) => void;
type LostHandler = (error: Error) => void;

export interface SubscribeOptions {
  /**
   * Called (once) when events on the channel may have been missed: the subscriber connection
   * was lost, or the subscription was made while it was down. The listener should stop, and
   * its client refetch and subscribe again; without this option a listener simply resumes
   * when ioredis reconnects.
   */
  onLost?: LostHandler;
}

/** What a live subscription ends with when events may have been missed. */
export const liveEventsInterrupted = () =>
  serviceUnavailable('Live events were interrupted (Redis connection lost); events may have been missed: refetch and subscribe again', {
    reason: 'EVENTS_MAY_HAVE_BEEN_MISSED',
  });

/**
 * Live events over Redis pub/sub. One publishing connection and one subscriber connection per
 * instance; channels are reference-counted so a channel is subscribed once however many
 * listeners it has. The prefix is applied by hand: ioredis `keyPrefix` does not cover PUBLISH.
 *
 * Pub/sub keeps nothing for a disconnected subscriber, so a lost subscriber connection means
 * lost events: listeners that asked (`onLost`, and every `iterate`) are ended when it drops,
 * and those that subscribed while it was down are ended when it is back.
 */
export class PubSub {
  private readonly channels = new Map<
    string,
    { handlers: Map<Handler, LostHandler | undefined>; subscribed: Promise<void>; acknowledged: boolean }
  >();
  private readonly subscriber: Redis;
  private wasReady = false;
  private interrupted = false;
  private closing = false;

  constructor(
    private readonly publisher: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.subscriber = publisher.duplicate();
    logRedisErrors(this.subscriber, logger);
    this.subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
    this.subscriber.on('ready', () => {
      this.wasReady = true;
      if (!this.interrupted) return;
      this.interrupted = false;
      this.logger.warn('Redis subscriber connection is back');
      this.loseAll();
    });
    this.subscriber.on('close', () => {
      if (!this.wasReady || this.closing) return;
      if (!this.interrupted) this.logger.warn('Redis subscriber connection lost: ending live subscriptions');
      this.interrupted = true;
      this.loseAll();
    });
  }

  /** Ends every listener that asked to know (see SubscribeOptions.onLost). */
  private loseAll() {
    const lost: LostHandler[] = [];
    for (const entry of this.channels.values()) {
      for (const [handler, onLost] of entry.handlers) {
        if (!onLost) continue;
        entry.handlers.set(handler, undefined); // once
        lost.push(onLost);
      }
    }
    for (const onLost of lost) onLost(liveEventsInterrupted());
  }

  /**
   * Best effort, like pub/sub itself: callers publish after their write has committed, so a
   * Redis outage must neither turn a stored change into an error (and a retried duplicate) nor
   * hold the caller for long. A failure, or no answer within `REDIS_PATIENCE_MS`, is logged
   * and reported as `false`.
   */
  async publish(channel: string, payload: unknown): Promise<boolean> {
    try {
      await withDeadline(this.publisher.publish(this.prefix + channel, JSON.stringify(payload)), REDIS_PATIENCE_MS, 'Redis PUBLISH');
      return true;
    } catch (err) {
      this.logger.warn({ err, channel }, 'live event not published');
      return false;
    }
  }

  /**
   * Listen to a channel; resolves once Redis has acknowledged the SUBSCRIBE (for every caller,
   * not only the first), so an event published afterwards is delivered. The returned function
   * stops listening.
   */
  async subscribe(channel: string, handler: Handler, options: SubscribeOptions = {}): Promise<() => Promise<void>> {
    const full = this.prefix + channel;
    let entry = this.channels.get(full);
    if (!entry) {
      const created = { handlers: new Map<Handler, LostHandler | undefined>(), acknowledged: false, subscribed: Promise.resolve() };
      created.subscribed = this.subscriber.subscribe(full).then(
        () => void (created.acknowledged = true),
        (err: unknown) => {
          if (this.channels.get(full) === created) this.channels.delete(full);
          throw err;
        },
      );
      entry = created;
      this.channels.set(full, entry);
    }
    entry.handlers.set(handler, options.onLost);
    await entry.subscribed;
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      const current = this.channels.get(full);
      if (!current) return;
      current.handlers.delete(handler);
      if (current.handlers.size === 0) {
        this.channels.delete(full);
        // While Redis is down the UNSUBSCRIBE waits in ioredis' queue, and may be given up.
        await this.subscriber.unsubscribe(full).catch((err: unknown) => this.logger.warn({ err, channel }, 'UNSUBSCRIBE failed'));
      }
    };
  }

  /**
   * The channel as an async iterator for a GraphQL subscription: `return()` (client gone)
   * unsubscribes at once even while no event is pending; the buffer is bounded, dropping the
   * oldest events of a consumer that cannot keep up.
   */
  iterate<T>(channel: string, options: { maxBuffer?: number; filter?: (payload: T) => boolean } = {}): AsyncIterableIterator<T> {
    let unsubscribe: (() => Promise<void>) | undefined;
    const events = createChannel<T>({
      maxBuffer: options.maxBuffer ?? 1000,
      onOverflow: () => this.logger.warn({ channel }, 'subscriber too slow: dropping its oldest events'),
      onClose: () => void unsubscribe?.(),
    });
    this.subscribe(
      channel,
      (payload) => {
        if (!options.filter || options.filter(payload as T)) events.push(payload as T);
      },
      // Ended, with the buffered events first, when events may have been missed.
      { onLost: (error) => events.fail(error) },
    ).then(
      (stop) => (events.closed ? void stop() : (unsubscribe = stop)),
      (err: unknown) => {
        this.logger.warn({ err, channel }, 'SUBSCRIBE failed');
        events.fail(serviceUnavailable('Live events are unavailable (Redis did not accept the subscription); subscribe again'));
      },
    );
    return events.iterator;
  }

  /** Channels Redis has acknowledged a SUBSCRIBE for and that still have listeners. */
  get channelCount(): number {
    let n = 0;
    for (const c of this.channels.values()) if (c.acknowledged) n++;
    return n;
  }

  /** Wait until the subscriber connection is up, so a stop never races a pending connect. */
  async ready(): Promise<void> {
    await this.subscriber.ping();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.channels.clear();
    await closeRedis(this.subscriber);
  }

  private dispatch(channel: string, message: string) {
    const handlers = this.channels.get(channel)?.handlers;
    if (!handlers) return;
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch (err) {
      this.logger.warn({ err, channel }, 'dropped a malformed pub/sub message');
      return;
    }
    for (const handler of handlers.keys()) handler(payload);
  }
}
