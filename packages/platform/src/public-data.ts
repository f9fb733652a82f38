import type { Logger } from './logger';
import { closeRedis, type Redis } from './redis';

/**
 * Public data changed: the signal every cache of answers that are the same for everyone (the
 * gateway's response cache) clears itself on. Channel `<REDIS_PREFIX>public-data-changed`,
 * payload `{ type, id }` (what changed, for the logs: caches clear everything, public data is small).
 */
export const PUBLIC_DATA_CHANNEL = 'public-data-changed';
export const publicDataChannel = (prefix: string) => `${prefix}${PUBLIC_DATA_CHANNEL}`;

export interface PublicDataChange {
  type: string;
  id: string | null;
}

/**
 * Inside `mutate(scope, work)`, for a write that changes data some cache may hold as public
 * (`PublicCacheHint`): announced after the commit (a live event), so no cache is cleared for a
 * write that rolls back and none refills from the old rows after it is cleared. Best effort like
 * every live event: a lost announcement leaves caches stale for at most their max-age.
 */
export function publicDataChanged(tx: { live: { publish(channel: string, payload: unknown): void } }, change: PublicDataChange): void {
  tx.live.publish(PUBLIC_DATA_CHANNEL, change);
}

/** `null`: announcements may have been missed (the watcher listens again after its connection dropped): assume anything changed. */
export type PublicDataListener = (change: PublicDataChange | null) => void;

/**
 * Listens to the announcements on a subscriber connection of its own. `watching` is true only
 * while Redis has acknowledged the SUBSCRIBE on the current connection: a cache must be neither
 * read nor filled otherwise, since an announcement could be missed. Listeners hear every
 * announcement, and `null` each time the watcher listens again (pub/sub keeps nothing for an
 * absent subscriber, so what was published while the connection was down is lost).
 */
export class PublicDataWatcher {
  private readonly subscriber: Redis;
  private readonly listeners = new Set<PublicDataListener>();
  private listening = false;
  /** Bumped at every connect and disconnect: a SUBSCRIBE acknowledged for an older connection says nothing. */
  private connection = 0;
  private firstListening!: () => void;
  private readonly listeningOnce = new Promise<void>((resolve) => (this.firstListening = resolve));

  constructor(private readonly options: { redis: Redis; prefix: string; logger: Logger }) {
    this.subscriber = options.redis.duplicate();
    this.subscriber.on('error', (err: Error) => options.logger.warn({ err }, 'Redis connection error (public data announcements)'));
    this.subscriber.on('message', (_channel: string, message: string) => this.announced(message));
    this.subscriber.on('ready', () => this.listen());
    this.subscriber.on('close', () => {
      this.connection++;
      if (!this.listening) return;
      this.listening = false;
      options.logger.warn('public data announcements interrupted (Redis connection lost): caches bypassed until it is back');
    });
  }

  get watching(): boolean {
    return this.listening;
  }

  /** Resolves once the watcher first listens; a Redis that is down leaves it pending (bound it with `withDeadline`). */
  ready(): Promise<void> {
    return this.listeningOnce;
  }

  onChange(listener: PublicDataListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.listening = false;
    await closeRedis(this.subscriber);
  }

  /** On every (re)connect: ioredis resubscribes by itself, but only an acknowledged SUBSCRIBE says announcements arrive again. */
  private listen() {
    const connection = ++this.connection;
    this.subscriber.subscribe(publicDataChannel(this.options.prefix)).then(
      () => {
        if (connection !== this.connection) return;
        this.listening = true;
        this.firstListening();
        // Anything may have changed while nobody listened.
        this.notify(null);
      },
      (err: unknown) => this.options.logger.warn({ err }, 'public data announcements not subscribed; retrying at the next reconnect'),
    );
  }

  private announced(message: string) {
    // A malformed announcement still says something changed.
    let change: PublicDataChange = { type: 'unknown', id: null };
    try {
      const parsed = JSON.parse(message) as Partial<PublicDataChange>;
      if (typeof parsed.type === 'string') change = { type: parsed.type, id: typeof parsed.id === 'string' ? parsed.id : null };
    } catch {
      this.options.logger.warn({ message }, 'malformed public data announcement');
    }
    this.notify(change);
  }

  private notify(change: PublicDataChange | null) {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.options.logger.error({ err }, 'public data listener failed');
      }
    }
  }
}
