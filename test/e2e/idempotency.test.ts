import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway } from '@lattice/gateway';
import { startStack, tcpProxy, type Stack, type TcpProxy } from '@lattice/testing';
import { onboard, SUBGRAPH_FACTORIES, type Onboarded } from './helpers';

/**
 * Idempotency-Key through the gateway. The gateway reaches Redis through a proxy this test can
 * cut, and ai-platform through a gate that can hold createPrompt in flight.
 */
let stack: Stack;
let redisProxy: TcpProxy;
let gate: Gate;
let alice: Onboarded;
let bob: Onboarded;

/** An HTTP hop in front of a subgraph that can hold, or refuse, requests whose body mentions a text. */
interface Gate {
  url: string;
  /** Hold the next matching request until released. */
  hold(text: string): { arrived: Promise<void>; release(): void };
  /** Answer the next matching request as a subgraph whose deadline passed would: SERVICE_UNAVAILABLE, nothing written. */
  refuse(text: string): void;
  close(): Promise<void>;
}
async function gateTo(target: string): Promise<Gate> {
  let held: { text: string; arrive(): void; released: Promise<void> } | undefined;
  let refused: string | undefined;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString();
    if (refused && body.includes(refused)) {
      refused = undefined;
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(
        JSON.stringify({ data: null, errors: [{ message: 'deadline passed; rolled back', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }),
      );
    }
    if (held && body.includes(held.text)) {
      held.arrive();
      await held.released;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)),
    ) as Record<string, string>;
    try {
      const upstream = await fetch(target, { method: req.method, headers, body: req.method === 'POST' ? body : undefined });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(await upstream.text());
    } catch {
      res.destroy(); // the subgraph is unreachable: so is the hop
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    hold(text) {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((r) => (arrive = r));
      held = { text, arrive, released: new Promise<void>((r) => (release = r)) };
      return { arrived, release: () => (release(), (held = undefined)) };
    },
    refuse(text) {
      refused = text;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  stack = await startStack({
    subgraphs: SUBGRAPH_FACTORIES,
    gateway: async (config) => {
      const redis = new URL(config.REDIS_URL);
      redisProxy = await tcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
      gate = await gateTo(config.AI_PLATFORM_URL!);
      return createGateway({ ...config, REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`, AI_PLATFORM_URL: gate.url });
    },
  });
  alice = await onboard(stack.url, 'Alice Inc');
  bob = await onboard(stack.url, 'Bob GmbH');
});
afterAll(async () => {
  await stack?.stop();
  await gate?.close();
  await redisProxy?.close();
});

const CREATE_PROMPT = `mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id name } }`;
const PROMPTS = `{ prompts(first: 50) { edges { node { id name } } } }`;
let keys = 0;
const newKey = () => `retry-${++keys}-${Date.now()}`;

/** POST to the gateway, keeping the response headers. */
async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const res = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> },
  };
}
const promptsNamed = async (who: Onboarded, name: string) =>
  ((await post(PROMPTS, {}, who.headers)).body.data.prompts.edges as Array<{ node: { id: string; name: string } }>).filter(
    (e) => e.node.name === name,
  );

test('a retry with the same key and body returns the first response and creates nothing more', async () => {
  const key = newKey();
  const input = { i: { name: 'Idempotent greeter', template: 'Hello' } };
  const first = await post(CREATE_PROMPT, input, { ...alice.headers, 'idempotency-key': key });
  expect(first.body.errors).toBeUndefined();
  const retry = await post(CREATE_PROMPT, input, { ...alice.headers, 'idempotency-key': key });
  expect(retry.status).toBe(200);
  expect(retry.body).toEqual(first.body);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(first.headers.get('idempotent-replayed')).toBeNull();
  expect(await promptsNamed(alice, 'Idempotent greeter')).toEqual([{ node: first.body.data.createPrompt }]);
});

test('the same key with a different body is CONFLICT (HTTP 422) and runs nothing', async () => {
  const key = newKey();
  await post(CREATE_PROMPT, { i: { name: 'Keyed once', template: 'A' } }, { ...alice.headers, 'idempotency-key': key });
  const other = await post(CREATE_PROMPT, { i: { name: 'Keyed twice', template: 'B' } }, { ...alice.headers, 'idempotency-key': key });
  expect(other.status).toBe(422);
  expect(other.body.errors?.[0].extensions?.code).toBe('CONFLICT');
  expect(await promptsNamed(alice, 'Keyed twice')).toEqual([]);
});

test('keys are per caller: another user sending the same key and body gets their own result, not the first caller’s', async () => {
  const key = newKey();
  const input = { i: { name: 'Shared key', template: 'same body' } };
  const mine = await post(CREATE_PROMPT, input, { ...alice.headers, 'idempotency-key': key });
  const theirs = await post(CREATE_PROMPT, input, { ...bob.headers, 'idempotency-key': key });
  expect(theirs.body.errors).toBeUndefined();
  expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  expect(theirs.body.data.createPrompt.id).not.toBe(mine.body.data.createPrompt.id);
  expect(await promptsNamed(bob, 'Shared key')).toEqual([{ node: theirs.body.data.createPrompt }]);
});

test('a duplicate sent while the first is still running is CONFLICT (HTTP 409); once it finishes, retries replay it', async () => {
  const key = newKey();
  const input = { i: { name: 'Slow prompt', template: 'x' } };
  const held = gate.hold('Slow prompt');
  const first = post(CREATE_PROMPT, input, { ...alice.headers, 'idempotency-key': key });
  await held.arrived;
  const duplicate = await post(CREATE_PROMPT, input, { ...alice.headers, 'idempotency-key': key });
  expect(duplicate.status).toBe(409);
  expect(duplicate.body.errors?.[0].extensions?.code).toBe('CONFLICT');
  held.release();
  const done = await first;
  expect(done.body.errors).toBeUndefined();
  const retry = await post(CREATE_PROMPT, input, { ...alice.headers, 'idempotency-key': key });
  expect(retry.body).toEqual(done.body);
  expect(await promptsNamed(alice, 'Slow prompt')).toHaveLength(1);
});

test('a response that says the mutation did not apply is not kept: the retry runs', async () => {
  const key = newKey();
  const input = { i: { name: 'Rolled back', template: 'x' } };
  gate.refuse('Rolled back');
  const failed = await post(CREATE_PROMPT, input, { ...alice.headers, 'idempotency-key': key });
  expect(failed.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
  const retry = await post(CREATE_PROMPT, input, { ...alice.headers, 'idempotency-key': key });
  expect(retry.body.errors).toBeUndefined();
  expect(retry.headers.get('idempotent-replayed')).toBeNull();
});

test('without a credential a key is BAD_REQUEST; queries ignore the header', async () => {
  const anonymous = await post(
    `mutation { logIn(input: { email: "x@example.com", password: "whatever" }) { accessToken } }`,
    {},
    { 'idempotency-key': newKey() },
  );
  expect(anonymous.status).toBe(400);
  expect(anonymous.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
  const query = await post(PROMPTS, {}, { ...alice.headers, 'idempotency-key': newKey() });
  expect(query.body.errors).toBeUndefined();
});

test('with Redis unreachable a keyed mutation is refused (SERVICE_UNAVAILABLE), never run unguarded', async () => {
  await redisProxy.cut();
  try {
    const res = await post(
      CREATE_PROMPT,
      { i: { name: 'During the outage', template: 'x' } },
      { ...alice.headers, 'idempotency-key': newKey() },
    );
    expect(res.status).toBe(503);
    expect(res.body.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
  } finally {
    await redisProxy.restore();
  }
  expect(await promptsNamed(alice, 'During the outage')).toEqual([]);
});
