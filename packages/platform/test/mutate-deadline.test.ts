import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { userPrincipal } from '@lattice/testing';
import { createErrorFormatter, createScope, mutate, systemClock, unavailableDependency, type Scope } from '../src';
import { eventsFixture, logger, sleep, type EventsFixture } from './events-fixture';

/** The mutation boundary against the request's deadline (the gateway's x-lattice-deadline). */
let fx: EventsFixture;
const ORG = randomUUID();

beforeAll(async () => {
  fx = await eventsFixture('deadline_test', [`create table "deadline_test"."things" ("id" uuid primary key, "name" text not null)`]);
});
afterAll(() => fx.close());

const scopeWith = (deadline: number | undefined): Scope =>
  createScope({
    principal: userPrincipal(ORG, 'MEMBER'),
    em: fx.orm.em.fork(),
    log: logger,
    clock: systemClock,
    request: { id: randomUUID(), ip: null, deadline },
    runtime: {
      source: 'test',
      pubsub: fx.pubsub,
      outboxWritten: () => undefined,
      statementTimeoutMs: fx.config.DATABASE_STATEMENT_TIMEOUT_MS,
    },
  });
const insert = (tx: Scope, name: string) =>
  tx.em.execute(`insert into "deadline_test"."things" ("id", "name") values (?, ?)`, [randomUUID(), name]);
const audited = (tx: Scope) => tx.audit({ action: 'thing.create', target: { type: 'Thing', id: 't' } });
const count = async (name: string) =>
  (await fx.sql<{ n: number }>(`select count(*)::int as n from "deadline_test"."things" where name = ?`, [name]))[0]!.n;
const outboxRows = async () => (await fx.sql<{ n: number }>(`select count(*)::int as n from "deadline_test"."outbox"`))[0]!.n;
const codeOf = (err: unknown) => (err as GraphQLError | undefined)?.extensions?.code;

/** The code a client sees for this error (the formatter maps a database that timed out to SERVICE_UNAVAILABLE). */
const clientCode = (err: unknown) => {
  const error = err instanceof GraphQLError ? err : new GraphQLError('x', { originalError: err as Error });
  return createErrorFormatter(logger)(error.toJSON(), error).extensions?.code;
};

test('work still busy at the deadline is rolled back before COMMIT with SERVICE_UNAVAILABLE, its outbox rows with it', async () => {
  const outbox = await outboxRows();
  const error = await mutate(scopeWith(Date.now() + 300), async (tx) => {
    await insert(tx, 'late');
    audited(tx);
    // Busy in the database the whole time (each statement within the time left), past the deadline.
    for (let i = 0; i < 3; i++) await tx.em.execute('select pg_sleep(0.2)');
  }).catch((e: unknown) => e);
  expect(codeOf(error)).toBe('SERVICE_UNAVAILABLE');
  expect((error as GraphQLError).extensions.reason).toBe('DEADLINE_EXCEEDED');
  expect(await count('late')).toBe(0);
  expect(await outboxRows()).toBe(outbox);
});

test('a transaction left idle past the deadline is ended by PostgreSQL itself: nothing committed', async () => {
  const error = await mutate(scopeWith(Date.now() + 300), async (tx) => {
    await insert(tx, 'idle');
    audited(tx);
    await sleep(600); // the service stalled (or its COMMIT is stuck in the network) after the last statement
  }).catch((e: unknown) => e);
  expect(clientCode(error)).toBe('SERVICE_UNAVAILABLE');
  expect(await count('idle')).toBe(0);
});

test('a deadline already passed: nothing is attempted', async () => {
  let ran = false;
  const error = await mutate(scopeWith(Date.now() - 1), async () => void (ran = true)).catch((e: unknown) => e);
  expect(codeOf(error)).toBe('SERVICE_UNAVAILABLE');
  expect(ran).toBe(false);
});

test('PostgreSQL cancels a statement that would outlive the deadline, well before its own statement_timeout', async () => {
  const started = Date.now();
  const error = await mutate(scopeWith(Date.now() + 400), async (tx) => {
    await insert(tx, 'slow');
    await tx.em.execute('select pg_sleep(3)');
    audited(tx);
  }).catch((e: unknown) => e);
  const elapsed = Date.now() - started;
  expect(elapsed).toBeLessThan(1500);
  expect(unavailableDependency(error)).toBe('database'); // 57014 query_canceled
  expect(clientCode(error)).toBe('SERVICE_UNAVAILABLE');
  expect(await count('slow')).toBe(0);
});

test('within its deadline a write commits as usual, and the time limit ends with its transaction', async () => {
  await mutate(scopeWith(Date.now() + 5000), async (tx) => {
    await insert(tx, 'on time');
    audited(tx);
  });
  expect(await count('on time')).toBe(1);
  // SET LOCAL: the pooled connection is back to the configured statement_timeout.
  const [{ statement_timeout }] = await fx.sql<{ statement_timeout: string }>('show statement_timeout');
  expect(statement_timeout).toBe(`${fx.config.DATABASE_STATEMENT_TIMEOUT_MS / 1000}s`);
});

test('without a deadline (jobs, consumers, direct calls) nothing changes', async () => {
  await mutate(scopeWith(undefined), async (tx) => {
    await insert(tx, 'no deadline');
    audited(tx);
    await sleep(50);
  });
  expect(await count('no deadline')).toBe(1);
});
