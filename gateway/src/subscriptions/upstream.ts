import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';
import { createChannel, serviceUnavailable, type Logger, type Principal } from '@lattice/platform/core';

export type Event = FormattedExecutionResult;

/** Counters behind the gateway's subscription gauges. */
export interface SubscriptionStats {
  /** Subscriptions the gateway holds open on subgraphs. */
  upstreamSubscriptions: number;
  /** graphql-ws sockets the gateway holds open to subgraphs (one per subgraph and principal). */
  upstreamConnections: number;
  /** Acknowledged graphql-ws connections of clients. */
  connections: number;
}

/** GraphQL errors a subgraph answered a subscription with (its graphql-ws `error` message). */
export class UpstreamErrors extends Error {
  constructor(readonly errors: GraphQLError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

const isCloseEvent = (e: unknown): e is { code: number; reason?: string } =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number';

/** For the log: a close code, the subgraph's errors, or a connection error's message. */
const describe = (err: unknown) =>
  isCloseEvent(err)
    ? { code: err.code, reason: err.reason }
    : Array.isArray(err)
      ? { errors: err }
      : { message: (err as { message?: string })?.message ?? String(err) };

/** What ended an upstream subscription, as the error its client receives. */
export function upstreamFailure(service: string, err: unknown): Error {
  if (Array.isArray(err)) {
    return new UpstreamErrors(
      (err as GraphQLFormattedError[]).map(
        (e) => new GraphQLError(e.message, { path: e.path, extensions: { ...e.extensions, serviceName: service } }),
      ),
    );
  }
  if (isCloseEvent(err)) {
    return serviceUnavailable(
      `The ${service} service ended the subscription (closed ${err.code}${err.reason ? `: ${err.reason}` : ''}); subscribe again`,
    );
  }
  return serviceUnavailable(`The ${service} service could not be reached; subscribe again`);
}

export interface UpstreamOptions {
  stats: SubscriptionStats;
  /** Events kept for a consumer that reads slower than the subgraph sends; the oldest are dropped. */
  maxBuffer: number;
  logger: Logger;
}

/**
 * One subscription on a subgraph as an async iterator: `return()` completes it upstream at once
 * (see createChannel); a subgraph that fails or closes surfaces once as a rejected `next()`,
 * after the events already buffered.
 */
export function upstreamSubscription(
  client: Client,
  service: string,
  payload: SubscribePayload,
  options: UpstreamOptions,
  onClose: () => void = () => {},
): AsyncIterableIterator<Event> {
  let unsubscribe = () => {};
  const events = createChannel<Event>({
    maxBuffer: options.maxBuffer,
    onOverflow: () =>
      options.logger.warn({ subgraph: service, maxBuffer: options.maxBuffer }, 'subscriber too slow: dropping its oldest events'),
    onClose: () => {
      options.stats.upstreamSubscriptions--;
      unsubscribe();
      onClose();
    },
  });
  options.stats.upstreamSubscriptions++;
  unsubscribe = client.subscribe<Record<string, unknown>, Record<string, unknown>>(payload, {
    next: (value) => events.push(value),
    error: (err) => {
      options.logger.warn({ subgraph: service, cause: describe(err) }, 'upstream subscription failed');
      events.fail(upstreamFailure(service, err));
    },
    complete: () => events.end(),
  });
  return events.iterator;
}

/** Maps each event, keeping `return()` immediate: it goes straight to the source. */
export function mapEvents<T, U>(source: AsyncIterableIterator<T>, map: (value: T) => Promise<U>): AsyncIterableIterator<U> {
  return {
    async next() {
      const r = await source.next();
      return r.done ? DONE : { value: await map(r.value), done: false };
    },
    async return() {
      await source.return?.();
      return DONE;
    },
    async throw(err: unknown) {
      await source.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * graphql-ws clients to the subgraphs, one per (subgraph URL, principal), multiplexing every
 * subscription of that principal. Each connects lazily with a freshly signed principal token and
 * is disposed with its last subscription; after a subgraph restart the next one reconnects.
 */
export class UpstreamClients {
  private readonly clients = new Map<string, { client: Client; users: number }>();

  constructor(
    private readonly connectionParams: (principal: Principal | null) => Promise<Record<string, unknown>>,
    private readonly stats: SubscriptionStats,
  ) {}

  /** A client for `url` acting as `principal`; call `release` when its subscription has ended. */
  acquire(url: string, principalKey: string, principal: Principal | null): { client: Client; release: () => void } {
    const key = `${url}\n${principalKey}`;
    let entry = this.clients.get(key);
    if (!entry) {
      // Counted from the socket's own events, so a client never disposed shows on the gauge.
      let connected = false;
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: () => this.connectionParams(principal),
        lazy: true,
        // A failure is the client's to see (and to resubscribe): no silent retries here.
        retryAttempts: 0,
        on: {
          connected: () => {
            connected = true;
            this.stats.upstreamConnections++;
          },
          closed: () => {
            if (connected) this.stats.upstreamConnections--;
            connected = false;
          },
        },
      });
      entry = { client, users: 0 };
      this.clients.set(key, entry);
    }
    const current = entry;
    current.users++;
    let released = false;
    return {
      client: current.client,
      release: () => {
        if (released) return;
        released = true;
        if (--current.users > 0) return;
        if (this.clients.get(key) === current) this.clients.delete(key);
        // A client still connecting to a subgraph that is down rejects here; nothing is left to release.
        void Promise.resolve(current.client.dispose()).catch(() => undefined);
      },
    };
  }

  async dispose(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map((c) => c.client.dispose()));
  }
}
