import type { Logger } from './logger';

/**
 * `work`, or a rejection once `ms` have passed: a dependency that stops answering (a hung Redis,
 * a job that never ends) must not hold a transaction open or a shutdown forever. The timer is
 * always cleared, so it never keeps a process (or jest) alive.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What a server opened, closed in reverse order of opening (workers before the connections
 * they use), each close bounded in time; one failing or hanging close is logged and the rest
 * still run, so a stop always finishes.
 */
export class Disposables {
  private readonly stack: Array<{ name: string; close: () => unknown }> = [];
  private disposing: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs = 10_000,
  ) {}

  add(name: string, close: () => unknown): void {
    // Something opened after the stop began would never be closed: close it at once.
    if (this.disposing) {
      void this.closeOne({ name, close });
      return;
    }
    this.stack.push({ name, close });
  }

  get size(): number {
    return this.stack.length;
  }

  /** Close everything, newest first; safe to call twice (the second call waits for the first). */
  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      for (let entry = this.stack.pop(); entry; entry = this.stack.pop()) await this.closeOne(entry);
    })();
    return this.disposing;
  }

  private async closeOne({ name, close }: { name: string; close: () => unknown }): Promise<void> {
    try {
      await withDeadline(Promise.resolve().then(close), this.timeoutMs, `closing ${name}`);
    } catch (err) {
      this.logger.error({ err, resource: name }, 'failed to close cleanly');
    }
  }
}
