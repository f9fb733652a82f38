import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer as accounts } from '@lattice/accounts';
import { createGateway } from '@lattice/gateway';
import { withSubgraphUrls, type ServiceServer } from '@lattice/platform';
import { gql, startStack, testConfig, wsClient, type Stack } from '@lattice/testing';

// Issue 7, finding 3 / "Rate limits": the gateway counts every operation (HTTP and graphql-ws)
// per user, or per address without a credential, in Redis shared by its replicas: past the
// limit RATE_LIMITED (HTTP 429) with retryAfterSeconds, and every response says the quota in
// the IETF RateLimit-* headers. Log-in lock-outs (accounts) reach clients through it intact.
const PER_USER = 3;
const PER_IP = 4;
const WINDOW = 60;

let stack: Stack;
let second: ServiceServer | undefined;
beforeAll(async () => {
  stack = await startStack({
    subgraphs: { accounts },
    gateway: createGateway,
    config: await testConfig({
      RATE_LIMIT_PER_USER: String(PER_USER),
      RATE_LIMIT_PER_IP: String(PER_IP),
      RATE_LIMIT_WINDOW_SECONDS: String(WINDOW),
      LOGIN_MAX_FAILURES_PER_EMAIL: '2',
    }),
  });
});
afterAll(async () => {
  await second?.stop();
  await stack.stop();
});

const TYPENAME = JSON.stringify({ query: '{ __typename }' });

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

/** POST /graphql from a chosen local address (any 127.x is this machine), as a client elsewhere would. */
function post(url: string, body = TYPENAME, options: { from?: string; token?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: options.from ?? '127.0.0.1',
        headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let n = 0;
/** A user signed up at accounts directly (not through the gateway, whose count it would spend). */
async function user(): Promise<string> {
  const res = await gql(stack.subgraphs.accounts!.url, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
    i: { email: `limited${++n}@example.com`, password: 'a long password', name: `Limited ${n}` },
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.signUp.accessToken;
}

const quota = (a: Answer) => ({
  limit: a.headers['ratelimit-limit'],
  remaining: a.headers['ratelimit-remaining'],
  reset: Number(a.headers['ratelimit-reset']),
});

function expectRefused(a: Answer, limit: number) {
  expect(a.status).toBe(429);
  expect(a.body.errors).toHaveLength(1);
  const error = a.body.errors![0]!;
  expect(error.extensions?.code).toBe('RATE_LIMITED');
  expect(error.extensions?.retryAfterSeconds).toBeGreaterThan(0);
  expect(error.extensions?.retryAfterSeconds).toBeLessThanOrEqual(WINDOW);
  expect(error.extensions).not.toHaveProperty('http');
  expect(a.headers['retry-after']).toBe(String(error.extensions?.retryAfterSeconds));
  expect(quota(a)).toMatchObject({ limit: String(limit), remaining: '0' });
}

test('anonymous calls are counted per address: headers count down, parse failures included, then 429 RATE_LIMITED; another address is unaffected', async () => {
  const from = '127.0.0.11';
  const answers: Answer[] = [];
  answers.push(await post(stack.url, TYPENAME, { from }));
  answers.push(await post(stack.url, TYPENAME, { from }));
  // Counted before parsing: an operation that does not parse spends a call too, and says so.
  answers.push(await post(stack.url, JSON.stringify({ query: '{ __typename' }), { from }));
  answers.push(await post(stack.url, TYPENAME, { from }));
  expect(answers.map((a) => a.status)).toEqual([200, 200, 400, 200]);
  expect(answers.map((a) => quota(a).limit)).toEqual(Array(PER_IP).fill(String(PER_IP)));
  expect(answers.map((a) => quota(a).remaining)).toEqual(['3', '2', '1', '0']);
  for (const a of answers) {
    expect(a.headers['ratelimit-policy']).toBe(`${PER_IP};w=${WINDOW}`);
    expect(quota(a).reset).toBeGreaterThan(0);
    expect(quota(a).reset).toBeLessThanOrEqual(WINDOW);
  }

  const over = await post(stack.url, TYPENAME, { from });
  expectRefused(over, PER_IP);

  const elsewhere = await post(stack.url, TYPENAME, { from: '127.0.0.12' });
  expect(elsewhere.status).toBe(200);
  expect(quota(elsewhere)).toMatchObject({ limit: String(PER_IP), remaining: '3' });
});

test('signed-in calls are counted per user, wherever they come from; another user on the same address is unaffected', async () => {
  const [alice, bob] = [await user(), await user()];
  const remaining: unknown[] = [];
  for (const from of ['127.0.0.21', '127.0.0.22', '127.0.0.23']) {
    const a = await post(stack.url, TYPENAME, { from, token: alice });
    expect(a.status).toBe(200);
    remaining.push(quota(a));
  }
  expect(remaining).toEqual([1, 2, 3].map((i) => expect.objectContaining({ limit: String(PER_USER), remaining: String(PER_USER - i) })));
  expectRefused(await post(stack.url, TYPENAME, { from: '127.0.0.24', token: alice }), PER_USER);

  const other = await post(stack.url, TYPENAME, { from: '127.0.0.21', token: bob });
  expect(other.status).toBe(200);
  expect(quota(other).remaining).toBe(String(PER_USER - 1));
  // Alice's address is not spent by her signed-in calls.
  expect(quota(await post(stack.url, TYPENAME, { from: '127.0.0.21' })).remaining).toBe(String(PER_IP - 1));
});

test('a second gateway replica on the same Redis prefix shares the count', async () => {
  second = await createGateway(withSubgraphUrls(stack.config, { accounts: stack.subgraphs.accounts!.url }));
  const { url: secondUrl } = await second.start(0, '127.0.0.1');
  const token = await user();
  expect(quota(await post(stack.url, TYPENAME, { token })).remaining).toBe('2');
  expect(quota(await post(secondUrl, TYPENAME, { token })).remaining).toBe('1');
  expect(quota(await post(stack.url, TYPENAME, { token })).remaining).toBe('0');
  expectRefused(await post(secondUrl, TYPENAME, { token }), PER_USER);
  expectRefused(await post(stack.url, TYPENAME, { token }), PER_USER);
});

test('operations over graphql-ws count with HTTP ones; the one over the limit gets RATE_LIMITED with retryAfterSeconds', async () => {
  const token = await user();
  expect(quota(await post(stack.url, TYPENAME, { token })).remaining).toBe('2');
  const client = wsClient(stack.url, { authorization: `Bearer ${token}` });
  const run = (query: string) =>
    new Promise<{ data?: unknown; errors?: any[] }>((resolve) => {
      let result: { data?: unknown; errors?: any[] } = {};
      client.subscribe(
        { query },
        {
          next: (r) => (result = r as typeof result),
          error: (errors) => resolve({ errors: errors as any[] }),
          complete: () => resolve(result),
        },
      );
    });
  try {
    expect(await run('{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    expect(await run('{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    const over = await run('{ __typename }');
    expect(over.errors).toHaveLength(1);
    expect(over.errors![0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(over.errors![0].extensions.retryAfterSeconds).toBeGreaterThan(0);
    // A subscription is counted before it is even parsed or planned.
    const subscription = await run('subscription { anything }');
    expect(subscription.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
  } finally {
    await client.dispose();
  }
  // And the HTTP side sees the same spent quota.
  expectRefused(await post(stack.url, TYPENAME, { token }), PER_USER);
});

test("a locked account's RATE_LIMITED and retryAfterSeconds reach the client through the gateway", async () => {
  const email = `locked${++n}@example.com`;
  const signUp = await gql(stack.subgraphs.accounts!.url, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', {
    i: { email, password: 'the right password', name: 'Locked' },
  });
  expect(signUp.body.errors).toBeUndefined();
  const logIn = (password: string) =>
    post(
      stack.url,
      JSON.stringify({ query: 'mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }', variables: { i: { email, password } } }),
      {
        from: '127.0.0.31',
      },
    );
  for (let i = 0; i < 2; i++) expect((await logIn('a wrong password')).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  const locked = await logIn('the right password');
  expect(locked.status).toBe(200);
  expect(locked.body.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 60 });
});
