import { randomUUID } from 'node:crypto';
import { deadLetterKey, streamKey, StreamConsumer, type DomainEvent, type StreamConsumerOptions, type StreamEntry } from '../src';
import { eventsFixture, eventually, logger, sleep, type EventsFixture } from './events-fixture';

let fx: EventsFixture;
const consumers: StreamConsumer[] = [];

beforeAll(async () => {
  fx = await eventsFixture('consumer_test', [`create table "consumer_test"."applied" ("event_id" uuid primary key, "n" int not null)`]);
});
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  await fx.close();
});

const event = (topic: string, n: number): DomainEvent => ({
  id: randomUUID(),
  topic,
  payload: { n },
  occurredAt: new Date().toISOString(),
  source: 'billing',
  requestId: null,
});

const publish = (e: DomainEvent) => fx.redis.xadd(streamKey(fx.prefix, e.topic), '*', 'event', JSON.stringify(e));

/** The handler writes into the consumer's schema, in the transaction it is given. */
const recording =
  (calls: DomainEvent[]): StreamConsumerOptions['handle'] =>
  async (e, tx) => {
    calls.push(e);
    await tx.em.execute(`insert into "consumer_test"."applied" ("event_id", "n") values (?, ?)`, [e.id, (e.payload as { n: number }).n]);
  };

const consumerFor = (topic: string, options: Partial<StreamConsumerOptions>) => {
  const consumer = new StreamConsumer({
    orm: fx.orm,
    scope: fx.scope,
    redis: fx.redis,
    prefix: fx.prefix,
    topic,
    group: 'audit-log',
    logger,
    handle: async () => undefined,
    ...options,
  });
  consumers.push(consumer);
  return consumer;
};

const appliedIds = async () =>
  (await fx.sql<{ event_id: string }>(`select event_id from "consumer_test"."applied"`)).map((r) => r.event_id).sort();
const pendingCount = async (c: StreamConsumer) => ((await fx.redis.xpending(c.key, c.group)) as [number])[0];

test('each event is applied once, in the handler transaction, even when the stream carries it twice', async () => {
  const calls: DomainEvent[] = [];
  const events = [event('c1.topic', 1), event('c1.topic', 2), event('c1.topic', 3)];
  for (const e of events) await publish(e);
  await publish(events[1]!); // a relay retry after a lost MULTI answer
  const consumer = consumerFor('c1.topic', { handle: recording(calls) });
  await consumer.start();

  await eventually(
    () => pendingCount(consumer),
    (n) => n === 0,
  );
  await eventually(appliedIds, (ids) => ids.length === 3);
  expect(await appliedIds()).toEqual(events.map((e) => e.id).sort());
  expect(calls.map((e) => (e.payload as { n: number }).n)).toEqual([1, 2, 3]);
  // The group name carries the prefix; processed_events records the group as configured.
  expect(consumer.group).toBe(`${fx.prefix}audit-log`);
  const processed = await fx.sql<{ consumer: string }>(`select consumer from "consumer_test"."processed_events" where event_id = ?`, [
    events[0]!.id,
  ]);
  expect(processed).toEqual([{ consumer: 'audit-log' }]);
});

test('an entry a crashed consumer committed but never acknowledged is claimed by a live one and not applied twice', async () => {
  const calls: DomainEvent[] = [];
  const live = consumerFor('c2.topic', { handle: recording(calls), claimIdleMs: 200, claimEveryMs: 50, consumer: 'live' });
  await fx.redis.xgroup('CREATE', live.key, live.group, '0', 'MKSTREAM');
  const e = event('c2.topic', 7);
  await publish(e);

  // The crashed consumer read it, committed its transaction, and died before XACK.
  const read = (await fx.redis.xreadgroup('GROUP', live.group, 'crashed', 'COUNT', 1, 'STREAMS', live.key, '>')) as Array<
    [string, StreamEntry[]]
  >;
  const entry = read[0]![1][0]!;
  expect(await live.apply(entry)).toBe(true);
  expect(await pendingCount(live)).toBe(1);

  await live.start();
  await eventually(
    () => pendingCount(live),
    (n) => n === 0,
    5000,
  );
  expect(calls).toHaveLength(1); // the claim found it processed and only acknowledged it
  expect(await appliedIds()).toContain(e.id);
  expect(await live.apply(entry)).toBe(false);
});

test('a failing handler is retried through claims, then moved to the dead-letter stream and acknowledged; later events still flow', async () => {
  const attempts: string[] = [];
  const calls: DomainEvent[] = [];
  const poison = event('c3.topic', 1);
  const fine = event('c3.topic', 2);
  const consumer = consumerFor('c3.topic', {
    claimIdleMs: 100,
    claimEveryMs: 50,
    maxDeliveries: 3,
    handle: async (e, tx) => {
      if (e.id === poison.id) {
        attempts.push(e.id);
        // Its write must roll back with the failure.
        await tx.em.execute(`insert into "consumer_test"."applied" ("event_id", "n") values (?, 0)`, [e.id]);
        throw new Error('downstream refused');
      }
      await recording(calls)(e, tx);
    },
  });
  await publish(poison);
  await publish(fine);
  await consumer.start();

  const dead = await eventually(
    () => fx.redis.xrange(deadLetterKey(fx.prefix, 'c3.topic'), '-', '+'),
    (entries) => entries.length === 1,
    10_000,
  );
  const fields = dead[0]![1];
  expect(JSON.parse(fields[fields.indexOf('event') + 1]!)).toEqual(poison);
  expect(fields[fields.indexOf('error') + 1]).toBe('downstream refused');
  expect(fields[fields.indexOf('deliveries') + 1]).toBe('3');
  expect(attempts).toHaveLength(3);
  await eventually(
    () => pendingCount(consumer),
    (n) => n === 0,
  );
  expect(await appliedIds()).not.toContain(poison.id);
  expect(await fx.sql(`select 1 from "consumer_test"."processed_events" where event_id = ?`, [poison.id])).toEqual([]);
  expect(calls.map((e) => e.id)).toEqual([fine.id]);
  await sleep(300);
  expect(attempts).toHaveLength(3); // dead-lettered means no more attempts
});

test('a malformed entry goes to the dead-letter stream at once', async () => {
  const consumer = consumerFor('c4.topic', { claimIdleMs: 60_000 });
  await fx.redis.xadd(streamKey(fx.prefix, 'c4.topic'), '*', 'event', '{not json');
  await consumer.start();
  await eventually(
    () => fx.redis.xlen(deadLetterKey(fx.prefix, 'c4.topic')),
    (n) => n === 1,
  );
  await eventually(
    () => pendingCount(consumer),
    (n) => n === 0,
  );
});

test('stop() ends a blocked read promptly, and the consumer leaves the group when it holds nothing', async () => {
  const consumer = consumerFor('c5.topic', { blockMs: 10_000, consumer: 'leaving' });
  await consumer.start();
  await sleep(100); // now blocked in XREADGROUP
  const started = Date.now();
  await consumer.stop();
  expect(Date.now() - started).toBeLessThan(2000); // far below the 10 s the read would block
  const members = (await fx.redis.xinfo('CONSUMERS', consumer.key, consumer.group)) as unknown[][];
  expect(members.map((m) => m[1])).not.toContain('leaving');
});
