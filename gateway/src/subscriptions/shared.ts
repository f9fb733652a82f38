import { createChannel, type Channel } from '@lattice/platform/core';

/**
 * Identical subscriptions share one source: the same operation, variables and principal get
 * the same events and the same per-event results (entity fetches run as that principal), so
 * ten dashboards on one metric cost one upstream subscription and one execution per event.
 * Each subscriber still has its own bounded buffer and its own `return()`.
 */
export class SharedSubscriptions<T> {
  private readonly live = new Map<string, Broadcast<T>>();

  constructor(private readonly options: { maxBuffer: number; onOverflow: () => void }) {}

  /** Join the broadcast for `key`, opening its source with `open` if there is none. */
  subscribe(key: string, open: () => AsyncIterator<T>): AsyncIterableIterator<T> {
    let broadcast = this.live.get(key);
    if (!broadcast) {
      const created = new Broadcast<T>(open(), this.options, () => {
        if (this.live.get(key) === created) this.live.delete(key);
      });
      broadcast = created;
      this.live.set(key, broadcast);
    }
    return broadcast.add();
  }

  /** Distinct sources open now. */
  get size(): number {
    return this.live.size;
  }
}

class Broadcast<T> {
  private readonly subscribers = new Set<Channel<T>>();
  private stopped = false;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly options: { maxBuffer: number; onOverflow: () => void },
    private readonly onStop: () => void,
  ) {
    void this.pump();
  }

  add(): AsyncIterableIterator<T> {
    const channel: Channel<T> = createChannel<T>({
      maxBuffer: this.options.maxBuffer,
      onOverflow: this.options.onOverflow,
      onClose: () => {
        this.subscribers.delete(channel);
        if (this.subscribers.size === 0) this.stop();
      },
    });
    this.subscribers.add(channel);
    return channel.iterator;
  }

  /** Last subscriber gone, or the source ended: no one joins this broadcast any more. */
  private stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop();
    void this.source.return?.();
  }

  private async pump() {
    try {
      for (let r = await this.source.next(); !r.done; r = await this.source.next()) {
        for (const subscriber of [...this.subscribers]) subscriber.push(r.value);
      }
      for (const subscriber of [...this.subscribers]) subscriber.end();
    } catch (error) {
      for (const subscriber of [...this.subscribers]) subscriber.fail(error);
    } finally {
      this.stop();
    }
  }
}
