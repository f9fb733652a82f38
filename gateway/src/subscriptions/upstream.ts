import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';
import { serviceUnavailable, type Logger } from '@lattice/platform';

export type Event = FormattedExecutionResult;

/** Counters behind the gateway's subscription gauges. */
export interface SubscriptionStats {
  /** Subscriptions the gateway holds open on subgraphs. */
  upstreamSubscriptions: number;
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
  isCloseEvent(err) ? { code: err.code, reason: err.reason } : Array.isArray(err) ? { errors: err } : { message: (err as { message?: string })?.message ?? String(err) };

/** What ended an upstream subscription, as the error its client receives. */
export function upstreamFailure(service: string, err: unknown): Error {
  if (Array.isArray(err)) {
    return new UpstreamErrors(
      (err as GraphQLFormattedError[]).map((e) => new GraphQLError(e.message, { path: e.path, extensions: { ...e.extensions, serviceName: service } })),
    );
  }
  if (isCloseEvent(err)) {
    return serviceUnavailable(`The ${service} service ended the subscription (closed ${err.code}${err.reason ? `: ${err.reason}` : ''}); subscribe again`);
  }
  return serviceUnavailable(`The ${service} service could not be reached; subscribe again`);
}

export interface UpstreamOptions {
  stats: SubscriptionStats;
  /** Events kept for a client that reads slower than the subgraph sends; the oldest are dropped. */
  maxBuffer: number;
  logger: Logger;
}

/**
 * One subscription on a subgraph as an async iterator, written by hand: `return()` (client
 * complete or gone) completes the upstream subscription at once, even while `next()` is parked
 * waiting for an event. An `async function*` would stay parked until the next event: a leak.
 * A subgraph that fails or closes surfaces once as a rejected `next()`, after buffered events.
 */
export function upstreamSubscription(client: Client, service: string, payload: SubscribePayload, options: UpstreamOptions): AsyncIterableIterator<Event> {
  const buffer: Event[] = [];
  const waiting: Array<{ resolve: (r: IteratorResult<Event>) => void; reject: (e: unknown) => void }> = [];
  let ended = false;
  let failure: Error | undefined;
  let released = false;
  let warnedOverflow = false;
  let unsubscribe = () => {};

  const release = () => {
    if (released) return;
    released = true;
    options.stats.upstreamSubscriptions--;
    unsubscribe();
  };
  const wake = () => {
    for (const w of waiting.splice(0)) {
      if (failure) {
        const f = failure;
        failure = undefined;
        w.reject(f);
      } else w.resolve(DONE);
    }
  };
  const end = (err?: Error) => {
    if (ended) return;
    ended = true;
    failure = err;
    release();
    wake();
  };

  options.stats.upstreamSubscriptions++;
  unsubscribe = client.subscribe<Record<string, unknown>, Record<string, unknown>>(payload, {
    next: (value) => {
      if (ended) return;
      const w = waiting.shift();
      if (w) return w.resolve({ value, done: false });
      buffer.push(value);
      if (buffer.length > options.maxBuffer) {
        buffer.shift();
        if (!warnedOverflow) options.logger.warn({ subgraph: service, maxBuffer: options.maxBuffer }, 'subscriber too slow: dropping its oldest events');
        warnedOverflow = true;
      }
    },
    error: (err) => {
      options.logger.warn({ subgraph: service, cause: describe(err) }, 'upstream subscription failed');
      end(upstreamFailure(service, err));
    },
    complete: () => end(),
  });

  return {
    next() {
      if (buffer.length) return Promise.resolve({ value: buffer.shift() as Event, done: false });
      if (failure) {
        const f = failure;
        failure = undefined;
        return Promise.reject(f);
      }
      if (ended) return Promise.resolve(DONE);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      buffer.length = 0;
      failure = undefined;
      end();
      return Promise.resolve(DONE);
    },
    throw(err: unknown) {
      buffer.length = 0;
      failure = undefined;
      end();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
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
 * The upstream side of one client connection: a graphql-ws client per subgraph URL, made on
 * first use and multiplexing that connection's subscriptions. It connects lazily with a freshly
 * signed principal and closes when its last subscription ends; after a subgraph restart the
 * next subscription simply connects again.
 */
export class UpstreamPool {
  private readonly clients = new Map<string, Client>();

  constructor(
    private readonly connectionParams: () => Promise<Record<string, unknown>>,
    private readonly options: UpstreamOptions,
  ) {}

  subscribe(url: string, service: string, payload: SubscribePayload): AsyncIterableIterator<Event> {
    let client = this.clients.get(url);
    if (!client) {
      client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: this.connectionParams,
        lazy: true,
        // A failure is the client's to see (and to resubscribe): no silent retries here.
        retryAttempts: 0,
      });
      this.clients.set(url, client);
    }
    return upstreamSubscription(client, service, payload, this.options);
  }

  async dispose(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    // A client still connecting to a subgraph that is down rejects here; nothing is left to release.
    await Promise.allSettled(clients.map((c) => c.dispose()));
  }
}
