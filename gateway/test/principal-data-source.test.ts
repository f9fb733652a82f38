import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEADLINE_HEADER, PRINCIPAL_HEADER, type Principal } from '@lattice/platform/core';
import { userPrincipal } from '@lattice/testing';
import { PrincipalDataSource, PrincipalSigner } from '../src/principal-data-source';

/**
 * The one place a subgraph fetch's failures are mapped (PrincipalDataSource.process), against a
 * stand-in subgraph that answers however each test needs.
 */
const TIMEOUT_MS = 400;
let server: Server;
let url: string;
let answer: (req: IncomingMessage, res: ServerResponse) => void;
let seenDeadline: number | undefined;
/** Calls the stand-in subgraph received, with the principal token each carried. */
let received: Array<{ principal: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seenDeadline = Number(req.headers[DEADLINE_HEADER]);
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => received.push({ principal: req.headers[PRINCIPAL_HEADER] as string | undefined, body }));
    req.resume().on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterEach(async () => {
  received = [];
  await Promise.all(made.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

type ProcessOptions = Parameters<PrincipalDataSource['process']>[0];
const signer = new PrincipalSigner('s'.repeat(32));
/** Every source a test made, closed after it (their keep-alive sockets would outlive the test). */
const made: PrincipalDataSource[] = [];
const source = (target: string, timeoutMs: number) => {
  const created = new PrincipalDataSource('billing', target, signer, timeoutMs);
  made.push(created);
  return created;
};
const call = (target = url, timeoutMs = 5000) =>
  source(target, timeoutMs).process({
    kind: 'health check', // GraphQLDataSourceRequestKind.HEALTH_CHECK (not exported at runtime)
    request: { query: '{ plans { key } }' },
    context: {},
  } as unknown as ProcessOptions);
const failure = async (target = url, timeoutMs = 5000) => {
  const started = Date.now();
  const error = await call(target, timeoutMs).then(
    () => undefined,
    (e: { message: string; extensions?: Record<string, unknown> }) => e,
  );
  return { error, elapsed: Date.now() - started };
};

test('a 400 carrying GraphQL errors is passed through as the subgraph said it, not masked', async () => {
  const errors = [
    { message: 'input.at: must be a date-time', extensions: { code: 'BAD_USER_INPUT', fields: [{ path: ['input', 'at'], message: 'x' }] } },
  ];
  answer = (_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors }));
  await expect(call()).resolves.toEqual({ errors });
});

test('no answer within the timeout: SERVICE_UNAVAILABLE naming the service; the subgraph was told a deadline before it', async () => {
  answer = () => undefined; // never answers
  const before = Date.now();
  const { error, elapsed } = await failure(url, TIMEOUT_MS);
  expect(error?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'billing', reason: 'TIMEOUT' });
  expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
  expect(elapsed).toBeLessThan(TIMEOUT_MS + 500);
  expect(seenDeadline).toBeGreaterThan(before);
  expect(seenDeadline).toBeLessThan(before + TIMEOUT_MS);
});

test('a subgraph that is down, or a proxy answering 502–504 for it: SERVICE_UNAVAILABLE naming the service', async () => {
  const { error: refused } = await failure('http://127.0.0.1:1/graphql');
  expect(refused?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'billing', reason: 'UNREACHABLE' });
  answer = (_req, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<html>busy</html>');
  const { error: proxied } = await failure();
  expect(proxied?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'billing' });
});

test('anything else stays unexpected (the formatter masks and logs it)', async () => {
  answer = (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
  const { error } = await failure();
  expect(error?.extensions?.code).toBeUndefined();
});

/** Answers every call held until `release()`, so calls overlap in flight. */
function holdAnswers(body: unknown, headers: Record<string, string> = {}) {
  const held: ServerResponse[] = [];
  answer = (_req, res) => void held.push(res);
  return {
    release: () =>
      held.splice(0).forEach((res) => res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))),
    count: () => held.length,
  };
}
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
};
/** An operation's fetch as Apollo's executor makes it, with a cache policy that records its hints. */
function operation(principal: Principal | null, query: string) {
  const hints: Array<{ maxAge?: number; scope?: string }> = [];
  const context = { requestId: 'r1', principal, credential: principal, ip: null };
  const options = {
    kind: 'incoming operation', // GraphQLDataSourceRequestKind.INCOMING_OPERATION
    request: { query, variables: { first: 2 } },
    context,
    incomingRequestContext: { context, overallCachePolicy: { restrict: (hint: (typeof hints)[number]) => hints.push(hint) } },
  } as unknown as ProcessOptions;
  return { options, hints };
}

describe('identical fetches in flight', () => {
  const data = { data: { plans: [{ key: 'free' }] } };
  const QUERY = 'query($first: Int) { plans(first: $first) { key } }';

  test('are sent once for the same principal; every caller gets its own copy of the answer', async () => {
    const source = new PrincipalDataSource('billing', url, signer, 5000);
    const held = holdAnswers(data);
    const alice = userPrincipal('00000000-0000-4000-8000-00000000000a');
    const calls = [1, 2, 3].map(() => source.process(operation(alice, QUERY).options));
    await until(() => held.count() === 1);
    await new Promise((r) => setTimeout(r, 20));
    held.release();
    const answers = await Promise.all(calls);
    expect(received).toHaveLength(1);
    expect(source.sent).toBe(1);
    for (const a of answers) expect(a).toEqual(data);
    // Apollo merges entities into what it got: a shared object would be written by every caller.
    expect(answers[0]).not.toBe(answers[1]);
    await source.close();
  });

  test('are never merged across principals, not even two users of one organization', async () => {
    const source = new PrincipalDataSource('billing', url, signer, 5000);
    const held = holdAnswers(data);
    const org = '00000000-0000-4000-8000-00000000000b';
    const [alice, bob] = [userPrincipal(org, 'OWNER'), userPrincipal(org, 'OWNER')];
    const calls = [alice, bob, null].map((p) => source.process(operation(p, QUERY).options));
    await until(() => held.count() === 3);
    held.release();
    await Promise.all(calls);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.principal)).size).toBe(3);
    expect(received.filter((r) => r.principal === undefined)).toHaveLength(1);
    await source.close();
  });

  test('are never merged when they are mutations', async () => {
    const source = new PrincipalDataSource('billing', url, signer, 5000);
    const held = holdAnswers({ data: { archive: true } });
    const alice = userPrincipal('00000000-0000-4000-8000-00000000000c');
    const calls = [1, 2].map(() => source.process(operation(alice, 'mutation { archive }').options));
    await until(() => held.count() === 2);
    held.release();
    await Promise.all(calls);
    expect(received).toHaveLength(2);
    await source.close();
  });

  test('a call after the first answered is sent again (merging is for calls in flight, not a cache)', async () => {
    const source = new PrincipalDataSource('billing', url, signer, 5000);
    answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    const alice = userPrincipal('00000000-0000-4000-8000-00000000000d');
    await source.process(operation(alice, QUERY).options);
    await source.process(operation(alice, QUERY).options);
    expect(received).toHaveLength(2);
    await source.close();
  });
});

describe("the subgraph's Cache-Control header bounds the operation's cache policy", () => {
  const respond = (headers: Record<string, string>) => {
    answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', ...headers }).end('{"data":{"plans":[]}}');
  };
  test.each([
    [{ 'cache-control': 'max-age=60, public' }, { maxAge: 60, scope: 'PUBLIC' }],
    [{ 'cache-control': 'max-age=30, private' }, { maxAge: 30, scope: 'PRIVATE' }],
    [{}, { maxAge: 0 }],
    [{ 'cache-control': 'no-store' }, { maxAge: 0 }],
  ])('%j restricts it to %j', async (headers, hint) => {
    const source = new PrincipalDataSource('billing', url, signer, 5000);
    respond(headers);
    const { options, hints } = operation(null, '{ plans { key } }');
    await source.process(options);
    expect(hints).toEqual([hint]);
    await source.close();
  });
});
