import { createServer, type Socket } from 'node:net';
import { closeRedis, createRedis, OutboxRelay, streamKey, type DomainEvent, type Redis } from '../src';
import { eventsFixture, eventually, logger, sleep, type EventsFixture } from './events-fixture';

let fx: EventsFixture;

beforeAll(async () => {
  fx = await eventsFixture('relay_test');
});
afterAll(async () => {
  await fx.close();
});
beforeEach(async () => {
  await fx.sql(`delete from "relay_test"."outbox"`);
});

const relayOn = (redis: Redis, options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}) =>
  new OutboxRelay({ orm: fx.orm, redis, prefix: fx.prefix, source: 'billing', logger, ...options });

const streamEvents = async (topic: string): Promise<DomainEvent[]> =>
  (await fx.redis.xrange(streamKey(fx.prefix, topic), '-', '+')).map(
    ([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as DomainEvent,
  );

const unsent = async () =>
  (await fx.sql<{ n: number }>(`select count(*)::int as n from "relay_test"."outbox" where sent_at is null`))[0]!.n;

// A short disconnectTimeout: ioredis otherwise keeps a 2 s timer for a socket that never closes.
const deadRedis = () =>
  createRedis('redis://127.0.0.1:1', logger, { retryStrategy: () => 20, maxRetriesPerRequest: 1, disconnectTimeout: 20 });

test('runOnce appends unsent rows to their topic streams in order, as event envelopes, and marks them sent', async () => {
  const start = Date.now();
  const paid = await fx.insertOutbox('t1.paid', 5, start);
  const failed = await fx.insertOutbox('t1.failed', 2, start);
  const relay = relayOn(fx.redis);

  expect(await relay.runOnce()).toBe(7);

  const events = await streamEvents('t1.paid');
  expect(events.map((e) => e.id)).toEqual(paid);
  expect(events[0]).toEqual({
    id: paid[0],
    topic: 't1.paid',
    payload: { n: 0 },
    occurredAt: new Date(start).toISOString(),
    source: 'billing',
    requestId: 'req-0',
  });
  expect((await streamEvents('t1.failed')).map((e) => e.id)).toEqual(failed);
  expect(await unsent()).toBe(0);
  // Sent rows are not sent again.
  expect(await relay.runOnce()).toBe(0);
  expect(await streamEvents('t1.paid')).toHaveLength(5);
});

test('a batch reads at most batchSize rows, oldest first', async () => {
  const ids = await fx.insertOutbox('t2.batch', 5);
  const relay = relayOn(fx.redis, { batchSize: 3 });
  expect(await relay.runOnce()).toBe(3);
  expect((await streamEvents('t2.batch')).map((e) => e.id)).toEqual(ids.slice(0, 3));
  expect(await unsent()).toBe(2);
});

test('with Redis unreachable nothing is marked sent or lost; a relay on a working Redis then delivers every row', async () => {
  const ids = await fx.insertOutbox('t3.outage', 10);
  const dead = deadRedis();
  const failing = relayOn(dead, { sweepMs: 50, redisTimeoutMs: 300 });
  try {
    await expect(failing.runOnce()).rejects.toThrow();
    // Running in the background for a while (sweeps and wakes) changes nothing either.
    failing.start();
    failing.wake();
    await sleep(400);
    await failing.stop();
    expect(await unsent()).toBe(10);
    expect(await streamEvents('t3.outage')).toEqual([]);
  } finally {
    dead.disconnect();
  }

  const healthy = relayOn(fx.redis, { sweepMs: 50 });
  healthy.start();
  try {
    await eventually(unsent, (n) => n === 0);
  } finally {
    await healthy.stop();
  }
  expect((await streamEvents('t3.outage')).map((e) => e.id)).toEqual(ids);
});

test('a Redis that accepts the connection but never answers cannot hold the rows locked: the batch gives up in time', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
  await new Promise((resolve) => silent.once('listening', resolve));
  const hung = createRedis(`redis://127.0.0.1:${(silent.address() as { port: number }).port}`, logger, { disconnectTimeout: 20 });
  try {
    await fx.insertOutbox('t4.hung', 3);
    const started = Date.now();
    await expect(relayOn(hung, { redisTimeoutMs: 300 }).runOnce()).rejects.toThrow(/did not finish within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
    // The transaction rolled back: the rows are unsent and no longer locked.
    const locked = await fx.orm.em
      .fork()
      .transactional((em) => em.execute(`select id from "relay_test"."outbox" where sent_at is null for update nowait`));
    expect(locked).toHaveLength(3);
  } finally {
    await closeRedis(hung);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('two relays on separate pools running at once put each of 500 rows on the stream exactly once', async () => {
  const ids = await fx.insertOutbox('t5.race', 500);
  const otherOrm = await fx.openOrm();
  const a = relayOn(fx.redis, { batchSize: 20 });
  const b = new OutboxRelay({ orm: otherOrm, redis: fx.redis, prefix: fx.prefix, source: 'billing', logger, batchSize: 20 });
  // Both pools connected beforehand, so both relays really start at once.
  await Promise.all([fx.orm, otherOrm].map((orm) => orm.em.fork().execute('select 1')));
  const drain = async (relay: OutboxRelay) => {
    let total = 0;
    for (let n = await relay.runOnce(); n > 0; n = await relay.runOnce()) total += n;
    return total;
  };

  const [byA, byB] = await Promise.all([drain(a), drain(b)]);

  expect(byA + byB).toBe(500);
  expect(byA).toBeGreaterThan(0);
  expect(byB).toBeGreaterThan(0);
  const onStream = (await streamEvents('t5.race')).map((e) => e.id);
  expect(onStream).toHaveLength(500);
  expect(new Set(onStream).size).toBe(500);
  expect(new Set(onStream)).toEqual(new Set(ids));
  expect(await unsent()).toBe(0);
});

test('wake() sends committed rows at once, without waiting for the sweep', async () => {
  const relay = relayOn(fx.redis, { sweepMs: 60_000 });
  const runOnce = jest.spyOn(relay, 'runOnce');
  relay.start();
  try {
    // The pass made at start has found nothing; the next sweep is a minute away.
    await eventually(
      () => runOnce.mock.results.length,
      (n) => n === 1,
    );
    expect(await runOnce.mock.results[0]!.value).toBe(0);
    const ids = await fx.insertOutbox('t6.wake', 3);
    await sleep(200);
    expect(await unsent()).toBe(3); // nobody said anything: still waiting for the sweep
    relay.wake();
    await eventually(unsent, (n) => n === 0, 2000);
    expect((await streamEvents('t6.wake')).map((e) => e.id)).toEqual(ids);
  } finally {
    await relay.stop();
  }
});

test('the sweep picks up rows nobody woke the relay for, looping while batches are full', async () => {
  const relay = relayOn(fx.redis, { sweepMs: 100, batchSize: 10 });
  relay.start();
  try {
    await fx.insertOutbox('t7.sweep', 35);
    await eventually(unsent, (n) => n === 0, 3000);
    expect(await streamEvents('t7.sweep')).toHaveLength(35);
  } finally {
    await relay.stop();
  }
});

test('backlog reports the lag; purgeSent deletes only rows sent before the retention', async () => {
  await fx.insertOutbox('t8.purge', 4, Date.now() - 5000);
  const relay = relayOn(fx.redis, { batchSize: 2 });
  const backlog = await relay.backlog();
  expect(backlog.unsent).toBe(4);
  expect(backlog.oldestSeconds).toBeGreaterThanOrEqual(4);
  await relay.runOnce(); // two rows sent
  await fx.sql(`update "relay_test"."outbox" set sent_at = now() - interval '2 days' where sent_at is not null`);
  await relay.runOnce(); // two more, sent just now

  expect(await relay.purgeSent(24 * 3600 * 1000)).toBe(2);
  expect((await fx.sql<{ n: number }>(`select count(*)::int as n from "relay_test"."outbox"`))[0]!.n).toBe(2);
  expect(await relay.topics()).toEqual(['t8.purge']);
  expect((await relay.backlog()).unsent).toBe(0);
});
