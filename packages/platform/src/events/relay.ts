import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { withDeadline } from '../deadline';
import type { Logger } from '../logger';
import { inBackground } from '../request-scope';
import type { Redis } from '../redis';
import { streamKey, type DomainEvent } from './event';

export interface OutboxRelayOptions {
  /** The subgraph's ORM: the relay reads the `outbox` of its schema. */
  orm: MikroORM;
  redis: Redis;
  /** REDIS_PREFIX: streams are `<prefix>stream:<topic>`. */
  prefix: string;
  /** The subgraph's name: the `source` of its events. */
  source: string;
  logger: Logger;
  /** Rows per transaction. */
  batchSize?: number;
  /** How often unsent rows are looked for without a wake (rows of a crashed replica, or of a Redis outage). */
  sweepMs?: number;
  /** Delay that coalesces a burst of wakes into one batch. */
  debounceMs?: number;
  /** Longest wait for Redis while the batch's rows are locked. */
  redisTimeoutMs?: number;
  /** Sent rows older than this are deleted by `purgeSent`. */
  retentionMs?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  payload: unknown;
  request_id: string | null;
  occurred_at: Date | string;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Moves committed outbox rows to Redis Streams. One transaction per batch locks the oldest
 * unsent rows (`FOR UPDATE SKIP LOCKED`, so every replica may run it at once without sending a
 * row twice), appends them in one MULTI, and marks them sent; if Redis fails or does not answer
 * in time, the transaction rolls back and the rows wait for the next sweep. Delivery is at least
 * once (a MULTI that Redis applied but whose answer was lost is sent again): consumers
 * deduplicate by event id. Order is by `occurred_at` within a batch, not across replicas.
 */
export class OutboxRelay {
  readonly batchSize: number;
  private readonly sweepMs: number;
  private readonly debounceMs: number;
  private readonly redisTimeoutMs: number;
  private readonly retentionMs: number;
  private readonly table: string;
  private sweepTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wakeRequested = false;
  private started = false;
  private stopping = false;
  /** After a failure wakes are ignored until then: the sweep retries, a burst of writes does not. */
  private quietUntil = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.sweepMs = options.sweepMs ?? 1000;
    this.debounceMs = options.debounceMs ?? 5;
    this.redisTimeoutMs = options.redisTimeoutMs ?? 2000;
    this.retentionMs = options.retentionMs ?? 24 * 3600 * 1000;
    const schema = options.orm.config.get('schema');
    if (!schema) throw new Error('OutboxRelay needs an ORM configured with its schema');
    this.table = `${quote(schema)}."outbox"`;
  }

  /**
   * One batch: returns how many rows were sent (0 when there was nothing to send). Throws when
   * Redis or the database failed; the rows are then still unsent.
   */
  runOnce(): Promise<number> {
    return inBackground('outbox relay', () => this.sendBatch());
  }

  private async sendBatch(): Promise<number> {
    const em = this.options.orm.em.fork();
    return em.transactional(async (tx: EntityManager) => {
      const rows: OutboxRow[] = await tx.execute(
        `select "id", "topic", "payload", "request_id", "occurred_at" from ${this.table}
         where "sent_at" is null order by "occurred_at", "id" limit ? for update skip locked`,
        [this.batchSize],
      );
      if (!rows.length) return 0;
      const multi = this.options.redis.multi();
      for (const row of rows) multi.xadd(streamKey(this.options.prefix, row.topic), '*', 'event', JSON.stringify(this.envelope(row)));
      const results = await withDeadline(multi.exec(), this.redisTimeoutMs, 'Redis XADD');
      const failed = results?.find(([err]) => err)?.[0];
      if (!results || failed) throw failed ?? new Error('Redis discarded the MULTI');
      await tx.execute(
        `update ${this.table} set "sent_at" = now() where "id" in (${rows.map(() => '?').join(', ')})`,
        rows.map((r) => r.id),
        'run',
      );
      return rows.length;
    });
  }

  /** Begin relaying: at every sweep and whenever `wake()` says rows were committed. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.sweepTimer = setInterval(() => this.kick(), this.sweepMs);
    this.sweepTimer.unref();
    this.kick();
  }

  /** Rows were just committed: send them now rather than at the next sweep. Cheap; bursts coalesce. */
  wake(): void {
    if (!this.started || this.stopping || Date.now() < this.quietUntil) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.debounceTimer ??= setTimeout(() => {
      this.debounceTimer = undefined;
      this.kick();
    }, this.debounceMs);
  }

  /** Stop the timers and wait for the batch in flight (its transaction commits or rolls back). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.debounceTimer);
    this.debounceTimer = undefined;
    await this.running;
  }

  /** Rows not yet on a stream, and the age in seconds of the oldest: the relay's lag. */
  async backlog(): Promise<{ unsent: number; oldestSeconds: number }> {
    const [row] = await inBackground('outbox relay', () =>
      this.options.orm.em.fork().execute<Array<{ unsent: number; oldest: number | null }>>(
        `select count(*)::int as "unsent", extract(epoch from now() - min("occurred_at"))::float8 as "oldest"
         from ${this.table} where "sent_at" is null`,
      ),
    );
    return { unsent: row?.unsent ?? 0, oldestSeconds: Math.max(0, row?.oldest ?? 0) };
  }

  /** Topics of the rows still in the outbox (sent within the retention, or unsent): the streams this subgraph writes. */
  async topics(): Promise<string[]> {
    const rows = await this.options.orm.em.fork().execute<Array<{ topic: string }>>(`select distinct "topic" from ${this.table}`);
    return rows.map((r) => r.topic);
  }

  /** Delete rows sent longer ago than the retention, in bounded chunks; returns how many. */
  async purgeSent(retentionMs = this.retentionMs): Promise<number> {
    const em = this.options.orm.em.fork();
    let total = 0;
    for (;;) {
      const { affectedRows } = await em.execute<{ affectedRows: number }>(
        `delete from ${this.table} where "id" in (
           select "id" from ${this.table} where "sent_at" < now() - (? * interval '1 millisecond') limit 5000)`,
        [retentionMs],
        'run',
      );
      total += affectedRows;
      if (affectedRows < 5000) return total;
    }
  }

  private envelope(row: OutboxRow): DomainEvent {
    return {
      id: row.id,
      topic: row.topic,
      payload: row.payload,
      occurredAt: new Date(row.occurred_at).toISOString(),
      source: this.options.source,
      requestId: row.request_id,
    };
  }

  /** Run batches until one is not full; a wake during the run earns one more pass. */
  private kick(): void {
    if (this.stopping) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.wakeRequested && !this.stopping && Date.now() >= this.quietUntil) this.kick();
    });
  }

  private async drain(): Promise<void> {
    let sent: number;
    do {
      this.wakeRequested = false;
      try {
        sent = await this.runOnce();
      } catch (err) {
        this.quietUntil = Date.now() + this.sweepMs;
        this.options.logger.warn({ err }, 'outbox relay: batch not sent, retrying at the next sweep');
        return;
      }
    } while (sent === this.batchSize && !this.stopping);
  }
}
