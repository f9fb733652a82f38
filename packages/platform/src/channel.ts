const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

export interface ChannelOptions {
  /** Values kept for a consumer that reads slower than they arrive; the oldest are dropped. */
  maxBuffer: number;
  /** Called at the first value dropped (once per channel): a consumer that cannot keep up. */
  onOverflow?: () => void;
  /** Called exactly once when the channel is finished, whoever finished it: release the source here. */
  onClose?: () => void;
}

export interface Channel<T> {
  push(value: T): void;
  /** Ends the channel with an error: the consumer gets the buffered values, then a rejected `next()`. */
  fail(error: unknown): void;
  /** Ends the channel: the consumer gets the buffered values, then `done`. */
  end(): void;
  readonly closed: boolean;
  /** The consumer's side, for a GraphQL subscription. */
  readonly iterator: AsyncIterableIterator<T>;
}

/**
 * A push source as an async iterator, written by hand: `return()` (client complete or gone)
 * releases the source at once, even while `next()` is parked waiting for a value. An `async
 * function*` would stay parked until the next value arrived: a leak for idle subscriptions.
 */
export function createChannel<T>(options: ChannelOptions): Channel<T> {
  const buffer: T[] = [];
  const waiting: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = [];
  let closed = false;
  let failure: { error: unknown } | undefined;
  let overflowed = false;

  const close = () => {
    if (closed) return;
    closed = true;
    options.onClose?.();
  };
  // Only parked consumers are woken here: a buffer is never non-empty while one waits.
  const settleWaiting = () => {
    for (const w of waiting.splice(0)) {
      if (failure) {
        const { error } = failure;
        failure = undefined;
        w.reject(error);
      } else w.resolve(DONE);
    }
  };
  const stop = (): Promise<IteratorReturnResult<undefined>> => {
    buffer.length = 0;
    failure = undefined;
    close();
    settleWaiting();
    return Promise.resolve(DONE);
  };

  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (buffer.length) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (failure) {
        const { error } = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (closed) return Promise.resolve(DONE);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return: stop,
    async throw(error: unknown) {
      await stop();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  return {
    push(value) {
      if (closed) return;
      const w = waiting.shift();
      if (w) return w.resolve({ value, done: false });
      buffer.push(value);
      if (buffer.length > options.maxBuffer) {
        buffer.shift();
        if (!overflowed) options.onOverflow?.();
        overflowed = true;
      }
    },
    fail(error) {
      if (closed) return;
      failure = { error };
      close();
      settleWaiting();
    },
    end() {
      close();
      settleWaiting();
    },
    get closed() {
      return closed;
    },
    iterator,
  };
}
