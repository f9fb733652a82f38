import { randomUUID } from 'node:crypto';
import { userPrincipal } from '@lattice/testing';
import { createScope, manualClock, mutate, type Scope } from '../src';
import { eventsFixture, logger, sleep, type EventsFixture } from './events-fixture';

let fx: EventsFixture;
let woken = 0;
const ORG = randomUUID();
const clock = manualClock(new Date('2026-12-01T10:00:00.000Z'));

beforeAll(async () => {
  fx = await eventsFixture('boundary_test', [`create table "boundary_test"."things" ("id" uuid primary key, "name" text not null)`]);
  await fx.pubsub.ready();
});
afterAll(() => fx.close());

const scopeOf = (principal = userPrincipal(ORG, 'MEMBER')): Scope =>
  createScope({
    principal,
    em: fx.orm.em.fork(),
    log: logger,
    clock,
    request: { id: 'req-1', ip: '203.0.113.9' },
    runtime: { source: 'test', pubsub: fx.pubsub, outboxWritten: () => void woken++ },
  });
const insertThing = (tx: Scope, name: string) =>
  tx.em.execute(`insert into "boundary_test"."things" ("id", "name") values (?, ?)`, [randomUUID(), name]);
const count = async (table: string, where = 'true') =>
  (await fx.sql<{ n: number }>(`select count(*)::int as n from "boundary_test"."${table}" where ${where}`))[0]!.n;
const heard = async (channel: string) => {
  const events: unknown[] = [];
  const stop = await fx.pubsub.subscribe(channel, (e) => events.push(e));
  return { events, stop };
};

test('a committed mutation: the change, its audit event in the outbox, the relay woken, then the live event', async () => {
  const live = await heard('things');
  const before = woken;
  let deliveredBeforeCommit = -1;
  const principal = userPrincipal(ORG, 'MEMBER');
  await mutate(scopeOf(principal), async (tx) => {
    await insertThing(tx, 'committed');
    tx.live.publish('things', { name: 'committed' });
    tx.audit({
      action: 'thing.create',
      target: { type: 'Thing', id: 't-1' },
      before: null,
      after: { name: 'committed', apiToken: 'tok_123' },
    });
    await sleep(100);
    deliveredBeforeCommit = live.events.length;
  });
  expect(deliveredBeforeCommit).toBe(0);
  expect(await count('things', `name = 'committed'`)).toBe(1);
  const [row] = await fx.sql<{ topic: string; payload: any; request_id: string }>(`select * from "boundary_test"."outbox"`);
  expect(row!.topic).toBe('audit.recorded');
  expect(row!.request_id).toBe('req-1');
  expect(row!.payload).toEqual({
    action: 'thing.create',
    actorKind: 'USER',
    actorId: principal.sub,
    orgId: ORG,
    targetType: 'Thing',
    targetId: 't-1',
    changes: { name: { before: null, after: 'committed' }, apiToken: { before: null, after: '[redacted]' } },
    requestId: 'req-1',
    ip: '203.0.113.9',
    at: '2026-12-01T10:00:00.000Z',
  });
  expect(woken).toBe(before + 1);
  await sleep(100);
  expect(live.events).toEqual([{ name: 'committed' }]);
  await live.stop();
});

test('a rolled-back mutation leaves no change, no outbox row and no live event', async () => {
  const live = await heard('things');
  const before = { woken, outbox: await count('outbox'), things: await count('things') };
  await expect(
    mutate(scopeOf(), async (tx) => {
      await insertThing(tx, 'doomed');
      tx.live.publish('things', { name: 'doomed' });
      tx.audit({ action: 'thing.create', target: { type: 'Thing', id: 't-2' } });
      throw new Error('the write failed half-way');
    }),
  ).rejects.toThrow('the write failed half-way');
  await sleep(200);
  expect(live.events).toEqual([]);
  expect({ woken, outbox: await count('outbox'), things: await count('things') }).toEqual(before);
  await live.stop();
});

test('a write that records no audit entry is rolled back; telemetry (audit: false) commits without one', async () => {
  const outbox = await count('outbox');
  await expect(mutate(scopeOf(), (tx) => insertThing(tx, 'unaudited'))).rejects.toThrow(/recorded no audit entry/);
  expect(await count('things', `name = 'unaudited'`)).toBe(0);
  await mutate(scopeOf(), (tx) => insertThing(tx, 'telemetry'), { audit: false });
  expect(await count('things', `name = 'telemetry'`)).toBe(1);
  expect(await count('outbox')).toBe(outbox);
});

test('nested mutate joins the open transaction: an outer failure rolls back the inner write', async () => {
  await expect(
    mutate(scopeOf(), async (tx) => {
      await mutate(tx, async (inner) => {
        await insertThing(inner, 'inner');
        inner.audit({ action: 'thing.create', target: { type: 'Thing', id: null } });
      });
      throw new Error('outer failed');
    }),
  ).rejects.toThrow('outer failed');
  expect(await count('things', `name = 'inner'`)).toBe(0);
});

test('outside mutate, the outbox, live events and audit refuse to work', () => {
  const scope = scopeOf();
  expect(() => scope.outbox.add('x', {})).toThrow(/only available inside mutate/);
  expect(() => scope.live.publish('x', {})).toThrow(/only available inside mutate/);
  expect(() => scope.audit({ action: 'x', target: { type: 'X', id: null } })).toThrow(/only available inside mutate/);
});

test('an anonymous write must name its actor', async () => {
  await expect(
    mutate(createScope({ ...scopeOf(), principal: null }), async (tx) =>
      tx.audit({ action: 'user.signUp', target: { type: 'User', id: null } }),
    ),
  ).rejects.toThrow(/must name its audit actor/);
});
