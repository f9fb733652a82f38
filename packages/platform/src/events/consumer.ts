import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { withDeadline } from '../deadline';
import type { Logger } from '../logger';
import { inBackground } from '../request-scope';
import { mutate } from '../mutate';
import type { Scope } from '../scope';
import type { Redis } from '../redis';
import { streamKey, type DomainEvent } from './event';

/** One stream entry as Redis returns it: id and flat field/value list (null when deleted). */
export type StreamEntry = [id: string, fields: string[] | null];

/** Applies one event; `tx` is bound to the transaction that also records the event as processed. */
export type EventHandler = (event: DomainEvent, tx: Scope) => Promise<void>;

export interface StreamConsumerOptions {
  /** The consumer's own ORM: `processed_events` and the handler's writes are in its schema. */
  orm: MikroORM;
  /** A scope with the subgraph's service principal on a fresh EntityManager of that ORM, per event. */
  scope: () => Scope;
  /** For acknowledgements and claims; the consumer duplicates it for its blocking reads. */
  redis: Redis;
  prefix: string;
  topic: string;
  /** Consumer group (one per consuming purpose); Redis sees it prefixed. */
  group: string;
  /** This process's name within the group. */
  consumer?: string;
  logger: Logger;
  handle: EventHandler;
  /** Entries pending longer than this (their reader crashed, or the handler failed) are claimed and retried. */
  claimIdleMs?: number;
  /** How often to look for such entries; defaults to claimIdleMs, at most 5 s. */
  claimEveryMs?: number;
  batchSize?: number;
  /** How long one XREADGROUP waits for new entries. */
  blockMs?: number;
  /** Deliveries after which a failing entry goes to the dead-letter stream. */
  maxDeliveries?: number;
  /** Longest wait for a non-blocking Redis call. */
  redisTimeoutMs?: number;
}

export const deadLetterKey = (prefix: string, topic: string) => `${prefix}stream:dead:${topic}`;

const defaultConsumerName = () => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

function parseEvent(fields: string[]): DomainEvent {
  const at = fields.indexOf('event');
  if (at < 0 || at % 2 !== 0) throw new Error('entry has no event field');
  const event = JSON.parse(fields[at + 1]!) as DomainEvent;
  if (typeof event?.id !== 'string' || !/^[0-9a-f-]{36}$/i.test(event.id) || typeof event.topic !== 'string')
    throw new Error('entry is not a domain event');
  return event;
}

/**
 * Reads one topic's stream in a consumer group and applies each event exactly once to this
 * consumer's schema: the event id goes into `processed_events` in the handler's transaction,
 * so a redelivery (a crash between commit and XACK, a claim) is a no-op. Entries left pending
 * are claimed with XAUTOCLAIM; one that keeps failing moves to the dead-letter stream.
 */
export class StreamConsumer {
  readonly key: string;
  readonly group: string;
  readonly consumer: string;
  private readonly blocking: Redis;
  private readonly claimIdleMs: number;
  private readonly claimEveryMs: number;
  private readonly batchSize: number;
  private readonly blockMs: number;
  private readonly maxDeliveries: number;
  private readonly redisTimeoutMs: number;
  private readonly table: string;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: StreamConsumerOptions) {
    this.key = streamKey(options.prefix, options.topic);
    this.group = `${options.prefix}${options.group}`;
    this.consumer = options.consumer ?? defaultConsumerName();
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.claimEveryMs = options.claimEveryMs ?? Math.min(this.claimIdleMs, 5000);
    this.batchSize = options.batchSize ?? 50;
    this.blockMs = options.blockMs ?? 2000;
    this.maxDeliveries = options.maxDeliveries ?? 10;
    this.redisTimeoutMs = options.redisTimeoutMs ?? 2000;
    const schema = options.orm.config.get('schema');
    if (!schema) throw new Error('StreamConsumer needs an ORM configured with its schema');
    this.table = `"${schema.replace(/"/g, '""')}"."processed_events"`;
    // A blocked XREADGROUP holds its connection: the shared one must stay free for everyone else.
    this.blocking = options.redis.duplicate();
    this.blocking.on('error', (err: Error) => options.logger.warn({ err, stream: this.key }, 'Redis connection error (stream consumer)'));
  }

  /** Create the group if needed (reading from the start of the stream) and begin consuming. */
  async start(): Promise<void> {
    if (this.stopping) throw new Error('a stopped stream consumer cannot be started again');
    if (this.loop) return;
    await this.ensureGroup();
    this.loop = inBackground(`stream consumer ${this.options.group}`, () => this.run());
  }

  /** End the loop promptly (the blocked read is cut off) and wait for the entry in progress. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.blocking.disconnect();
      await this.loop;
      if (this.loop) await this.forgetSelfIfIdle();
    })();
    return this.stopped;
  }

  /**
   * Apply one entry in its own transaction, without acknowledging it: returns false when this
   * group had already processed the event. Exposed so a test can play "committed, then crashed
   * before XACK".
   */
  async apply([, fields]: StreamEntry): Promise<boolean> {
    const event = parseEvent(fields ?? []);
    // Through the mutation boundary: outbox rows the handler writes commit with it, live events
    // go out after the commit. Applying an event is not itself audited: its cause was.
    const apply = async (tx: Scope) => {
      const inserted = await tx.em.execute<Array<{ event_id: string }>>(
        `insert into ${this.table} ("consumer", "event_id", "processed_at") values (?, ?, now())
         on conflict do nothing returning "event_id"`,
        [this.options.group, event.id],
      );
      if (!inserted.length) return false;
      await this.options.handle(event, tx);
      return true;
    };
    return mutate(this.options.scope(), apply, { audit: false });
  }

  /** Apply then acknowledge; a failure leaves the entry pending for a later claim, or dead-letters it. */
  async process(entry: StreamEntry): Promise<void> {
    const [id, fields] = entry;
    if (!fields) {
      await this.ack(id); // deleted (trimmed) while pending: nothing left to apply
      return;
    }
    try {
      await this.apply(entry);
    } catch (err) {
      await this.failed(entry, err).catch((e: unknown) =>
        this.options.logger.warn({ err: e, stream: this.key, id }, 'stream consumer: could not record a failure'),
      );
      return;
    }
    await this.ack(id);
  }

  /** Claim entries pending for longer than claimIdleMs, whoever read them, and process them. */
  async claimStale(): Promise<number> {
    let cursor = '0-0';
    let claimed = 0;
    do {
      const [next, entries] = (await this.call(
        this.options.redis.xautoclaim(this.key, this.group, this.consumer, this.claimIdleMs, cursor, 'COUNT', this.batchSize),
        'XAUTOCLAIM',
      )) as [string, StreamEntry[]];
      for (const entry of entries) {
        if (this.stopping) return claimed;
        await this.process(entry);
        claimed++;
      }
      cursor = next;
    } while (cursor !== '0-0' && !this.stopping);
    return claimed;
  }

  async ack(id: string): Promise<void> {
    await this.call(this.options.redis.xack(this.key, this.group, id), 'XACK');
  }

  private async run(): Promise<void> {
    let nextClaim = 0;
    while (!this.stopping) {
      try {
        if (Date.now() >= nextClaim) {
          await this.claimStale();
          nextClaim = Date.now() + this.claimEveryMs;
        }
        const wait = Math.max(1, Math.min(this.blockMs, nextClaim - Date.now()));
        const result = (await withDeadline(
          this.blocking.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'BLOCK', wait, 'STREAMS', this.key, '>'),
          wait + this.redisTimeoutMs,
          'XREADGROUP',
        )) as Array<[string, StreamEntry[]]> | null;
        for (const entry of result?.[0]?.[1] ?? []) {
          if (this.stopping) break; // what was read and not applied is claimed later
          await this.process(entry);
        }
      } catch (err) {
        if (this.stopping) break;
        // The stream (and its groups) can vanish, e.g. deleted by hand: recreate the group.
        if (errorMessage(err).includes('NOGROUP')) await this.ensureGroup().catch(() => undefined);
        this.options.logger.warn({ err, stream: this.key, group: this.group }, 'stream consumer: read failed, retrying');
        await sleep(500);
      }
    }
  }

  private async failed([id, fields]: StreamEntry, err: unknown): Promise<void> {
    const pending = (await this.call(this.options.redis.xpending(this.key, this.group, id, id, 1), 'XPENDING')) as Array<
      [string, string, number, number]
    >;
    const deliveries = pending[0]?.[3] ?? 1;
    const malformed = err instanceof SyntaxError || errorMessage(err).startsWith('entry ');
    if (!malformed && deliveries < this.maxDeliveries) {
      this.options.logger.warn({ err, stream: this.key, group: this.group, id, deliveries }, 'stream consumer: handler failed, will retry');
      return;
    }
    // A database outage fails every event: that is no reason to give up on this one.
    if (!malformed && !(await this.databaseAnswers())) {
      this.options.logger.warn(
        { err, stream: this.key, group: this.group, id, deliveries },
        'stream consumer: database unavailable, will retry',
      );
      return;
    }
    await this.call(
      this.options.redis.xadd(
        deadLetterKey(this.options.prefix, this.options.topic),
        '*',
        'event',
        fields?.[fields.indexOf('event') + 1] ?? '',
        'id',
        id,
        'group',
        this.options.group,
        'deliveries',
        String(deliveries),
        'error',
        errorMessage(err),
      ),
      'XADD dead letter',
    );
    await this.ack(id);
    this.options.logger.error(
      { err, stream: this.key, group: this.group, id, deliveries },
      'stream consumer: event moved to the dead-letter stream',
    );
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await withDeadline(this.options.orm.em.fork().execute('select 1'), 5000, 'database check');
      return true;
    } catch {
      return false;
    }
  }

  private async ensureGroup(): Promise<void> {
    try {
      await this.call(this.options.redis.xgroup('CREATE', this.key, this.group, '0', 'MKSTREAM'), 'XGROUP CREATE');
    } catch (err) {
      if (!errorMessage(err).includes('BUSYGROUP')) throw err;
    }
  }

  /** Consumer names are per process: drop ours from the group when it holds nothing pending. */
  private async forgetSelfIfIdle(): Promise<void> {
    try {
      const mine = (await this.call(
        this.options.redis.xpending(this.key, this.group, '-', '+', 1, this.consumer),
        'XPENDING',
      )) as unknown[];
      if (!mine.length)
        await this.call(this.options.redis.xgroup('DELCONSUMER', this.key, this.group, this.consumer), 'XGROUP DELCONSUMER');
    } catch (err) {
      this.options.logger.debug({ err, stream: this.key }, 'stream consumer: could not remove itself from the group');
    }
  }

  private call<T>(command: Promise<T>, what: string): Promise<T> {
    return withDeadline(command, this.redisTimeoutMs, `Redis ${what}`);
  }
}
