import { randomUUID } from 'node:crypto';
import { createServer as aiPlatform } from '@lattice/ai-platform';
import { streamKey, StreamConsumer, Topic, type AuditRecorded, type DomainEvent, type SubgraphServer } from '@lattice/platform';
import {
  eventually,
  gql,
  principalHeaders,
  sleep,
  startStack,
  tcpProxy,
  testConfig,
  userPrincipal,
  type Stack,
  type TcpProxy,
} from '@lattice/testing';
import { AUDIT_GROUP, applyAuditEvent } from '../../subgraphs/accounts/src/workers';
import { SUBGRAPH_FACTORIES } from './helpers';

/**
 * The audit log under faults: accounts consumes on the real Redis; ai-platform reaches Redis
 * through a proxy this test cuts, as an outage would.
 */
let stack: Stack;
let redisProxy: TcpProxy;
let ai: SubgraphServer;
let aiUrl: string;
const org = randomUUID();
const member = userPrincipal(org, 'MEMBER');

beforeAll(async () => {
  stack = await startStack({
    subgraphs: { accounts: SUBGRAPH_FACTORIES.accounts },
    config: await testConfig({ STREAM_CLAIM_IDLE_MS: '300' }),
  });
  const redis = new URL(stack.config.REDIS_URL);
  redisProxy = await tcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  ai = await aiPlatform({ ...stack.config, REDIS_URL: `redis://127.0.0.1:${redisProxy.port}` });
  aiUrl = (await ai.start(0, '127.0.0.1')).url;
});
afterAll(async () => {
  await ai?.stop();
  await redisProxy?.close();
  await stack?.stop();
});

const accountsSql = (sql: string, params: unknown[] = []) =>
  stack.subgraphs.accounts!.server.runtime.orm.em.fork().getConnection().execute(sql, params) as Promise<Array<Record<string, any>>>;
const entriesFor = async (targetId: string) =>
  (await accountsSql(`select count(*)::int as n from accounts.audit_entries where target_id = ?`, [targetId]))[0]!.n as number;
const createPrompt = async (name: string) => {
  const res = await gql(
    aiUrl,
    `mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id } }`,
    { i: { name, template: 't' } },
    await principalHeaders(stack.config.INTERNAL_TOKEN_SECRET, member),
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createPrompt.id as string;
};

test('with Redis gone during the mutation, the write commits and its audit entry arrives once Redis is back', async () => {
  const before = await createPrompt('before the outage');
  await eventually(() => entriesFor(before), 1, 10_000);
  await redisProxy.cut();
  const id = await createPrompt('during the outage');
  const outboxRow = async () =>
    (await ai.runtime.orm.em.fork().execute(`select sent_at from ai.outbox where payload->>'targetId' = ?`, [id]))[0] as {
      sent_at: Date | null;
    };
  await sleep(1500); // the relay tried, at least once
  expect((await outboxRow()).sent_at).toBeNull();
  expect(await entriesFor(id)).toBe(0);

  await redisProxy.restore();
  await eventually(() => entriesFor(id), 1, 20_000);
  expect((await outboxRow()).sent_at).not.toBeNull();
  await sleep(500);
  expect(await entriesFor(id)).toBe(1);
});

test('a consumer that crashed after applying an event, before acknowledging it: another claims it and it is applied once', async () => {
  const accounts = stack.subgraphs.accounts!.server.runtime;
  const key = streamKey(stack.config.REDIS_PREFIX, Topic.AUDIT_RECORDED);
  const group = `${stack.config.REDIS_PREFIX}${AUDIT_GROUP}`;
  const targetId = randomUUID();
  const payload: AuditRecorded = {
    action: 'prompt.create',
    actorKind: 'USER',
    actorId: member.sub,
    orgId: org,
    targetType: 'Prompt',
    targetId,
    changes: null,
    requestId: null,
    ip: null,
    at: new Date().toISOString(),
  };
  const event: DomainEvent = {
    id: randomUUID(),
    topic: Topic.AUDIT_RECORDED,
    payload,
    occurredAt: payload.at,
    source: 'ai-platform',
    requestId: null,
  };
  // Appended and read by the doomed consumer atomically, so the live consumer cannot read it first.
  const [[, added], [, read]] = (await accounts.redis
    .multi()
    .xadd(key, '*', 'event', JSON.stringify(event))
    .xreadgroup('GROUP', group, 'crashed', 'COUNT', 1, 'STREAMS', key, '>')
    .exec()) as [[null, string], [null, Array<[string, Array<[string, string[]]>]>]];
  const entry = read[0]![1][0]!;
  expect(entry[0]).toBe(added);

  // It committed its work, then died before XACK.
  const crashed = new StreamConsumer({
    orm: accounts.orm,
    scope: accounts.serviceScope,
    redis: accounts.redis,
    prefix: stack.config.REDIS_PREFIX,
    topic: Topic.AUDIT_RECORDED,
    group: AUDIT_GROUP,
    consumer: 'crashed',
    logger: accounts.logger,
    handle: applyAuditEvent,
  });
  expect(await crashed.apply(entry)).toBe(true);
  await crashed.stop();
  expect(await entriesFor(targetId)).toBe(1);

  // The live consumer claims it once idle, finds it applied, and acknowledges it.
  await eventually(async () => ((await accounts.redis.xpending(key, group)) as [number])[0], 0, 10_000);
  expect(await entriesFor(targetId)).toBe(1);
  expect((await accountsSql(`select count(*)::int as n from accounts.processed_events where event_id = ?`, [event.id]))[0]!.n).toBe(1);
});
