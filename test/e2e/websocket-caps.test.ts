import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { createGateway } from '@lattice/gateway';
import { createServer as billing } from '@lattice/billing';
import { eventually, startStack, testConfig, type Stack } from '@lattice/testing';

// Issue 7, finding 10: the gateway caps graphql-ws sockets per client address and in total,
// anonymous and not-yet-initialised ones included, and closes the surplus with 1013.
let stack: Stack;
const open: WebSocket[] = [];

beforeAll(async () => {
  stack = await startStack({
    subgraphs: { billing },
    gateway: createGateway,
    config: await testConfig({ WS_MAX_CONNECTIONS: '5', WS_MAX_CONNECTIONS_PER_IP: '3' }),
  });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => closeSocket(s)));
  await eventually(() => metric('lattice_gateway_websocket_sockets'), 0);
});
afterAll(() => stack.stop());

const wsUrl = () => stack.url.replace(/^http/, 'ws');

const closeSocket = (socket: WebSocket) =>
  new Promise<void>((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once('close', () => resolve());
    socket.close();
  });

/** A graphql-transport-ws socket from `from` (any 127.x address is this machine), anonymous: `connection_init` without credentials. */
async function anonymousSocket(
  from = '127.0.0.1',
  init = true,
): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(wsUrl(), 'graphql-transport-ws', { localAddress: from });
  open.push(socket);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  if (init) socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  return { socket, closed };
}

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(new URL('/metrics', stack.url))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return Number(line?.split(' ').pop() ?? 0);
}

const stillOpen = async (socket: WebSocket) => {
  await new Promise((r) => setTimeout(r, 100));
  return socket.readyState === WebSocket.OPEN;
};

test('one address may hold WS_MAX_CONNECTIONS_PER_IP sockets; the next is closed with 1013, and a freed slot is taken again', async () => {
  const refusedBefore = await metric('lattice_gateway_websocket_refused_total', 'reason="perIp"');
  const admitted = await Promise.all([anonymousSocket(), anonymousSocket(), anonymousSocket(undefined, false)]);
  const surplus = await anonymousSocket();
  expect(await surplus.closed).toEqual({
    code: 1013,
    reason: 'Too many WebSocket connections from this address; close one or retry later',
  });
  for (const { socket } of admitted) expect(await stillOpen(socket)).toBe(true);
  expect(await metric('lattice_gateway_websocket_sockets')).toBe(3);
  expect((await metric('lattice_gateway_websocket_refused_total', 'reason="perIp"')) - refusedBefore).toBe(1);

  await closeSocket(admitted[0]!.socket);
  await eventually(() => metric('lattice_gateway_websocket_sockets'), 2);
  const next = await anonymousSocket();
  expect(await stillOpen(next.socket)).toBe(true);
});

test('WS_MAX_CONNECTIONS counts the sockets of every address', async () => {
  await Promise.all([
    anonymousSocket('127.0.0.1'),
    anonymousSocket('127.0.0.1'),
    anonymousSocket('127.0.0.2'),
    anonymousSocket('127.0.0.3'),
    anonymousSocket('127.0.0.4'),
  ]);
  const surplus = await anonymousSocket('127.0.0.5');
  expect(await surplus.closed).toEqual({ code: 1013, reason: 'The server holds as many WebSocket connections as it takes; retry later' });
});

test('a graphql-ws client over the cap is told 1013; one within it runs its operations', async () => {
  await Promise.all([anonymousSocket(), anonymousSocket()]);
  const client = (from: string) =>
    createClient({
      url: wsUrl(),
      // graphql-ws takes a WebSocket class; this one binds the client's address.
      webSocketImpl: class extends WebSocket {
        constructor(url: string, protocols: string | string[]) {
          super(url, protocols, { localAddress: from });
        }
      },
      retryAttempts: 0,
      lazy: true,
    });
  const query = (c: ReturnType<typeof client>) =>
    new Promise<unknown>((resolve) => c.subscribe({ query: '{ plans { key } }' }, { next: resolve, error: resolve, complete: () => {} }));

  const within = client('127.0.0.1');
  const over = client('127.0.0.1');
  try {
    expect(await query(within)).toEqual({ data: { plans: [{ key: 'free' }, { key: 'pro' }, { key: 'enterprise' }] } });
    expect(await query(over)).toMatchObject({ code: 1013 });
  } finally {
    await within.dispose();
    await over.dispose();
  }
});
