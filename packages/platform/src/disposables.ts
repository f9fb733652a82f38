import { withDeadline } from './deadline';
import type { Logger } from './logger';

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
