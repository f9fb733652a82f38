import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEADLINE_HEADER } from '@lattice/platform/core';
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

beforeAll(async () => {
  server = createServer((req, res) => {
    seenDeadline = Number(req.headers[DEADLINE_HEADER]);
    req.resume().on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

type ProcessOptions = Parameters<PrincipalDataSource['process']>[0];
const call = (target = url, timeoutMs = 5000) =>
  new PrincipalDataSource('billing', target, new PrincipalSigner('s'.repeat(32)), timeoutMs).process({
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
