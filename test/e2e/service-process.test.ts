import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_INTERNAL_TOKEN_SECRET, PRINCIPAL_HEADER, signPrincipal, type Config, type Principal } from '@lattice/platform';
import { collect, dropTestDatabase, eventually, freePort, gql, testConfig, wsClient } from '@lattice/testing';

// The real entry point, as `npm start` runs it: compiled main.js in its own process
// (`npm test` builds first, in its pretest step).
const MAIN = join(__dirname, '..', '..', 'subgraphs', 'monitoring', 'dist', 'src', 'main.js');

let config: Config;
beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\``);
  config = await testConfig();
});
afterAll(() => dropTestDatabase(config));

function environment(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    REDIS_PREFIX: config.REDIS_PREFIX,
    INTERNAL_TOKEN_SECRET: config.INTERNAL_TOKEN_SECRET,
    ...overrides,
  };
}

function runMain(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    logged: (message: string) => output.includes(`"msg":"${message}"`),
  };
}

test('in production, without access-token keys it does not use: SIGTERM closes open subscriptions with 1001 and exits 0', async () => {
  const port = await freePort();
  const main = runMain(environment({ NODE_ENV: 'production', MONITORING_PORT: String(port) }));
  try {
    await eventually(() => main.logged('monitoring listening'), true, 30_000);
    const url = `http://127.0.0.1:${port}/graphql`;
    const org = '00000000-0000-4000-8000-000000000001';
    const principal: Principal = { sub: '00000000-0000-4000-8000-000000000002', kind: 'user', org, role: 'MEMBER', memberships: [{ org, role: 'MEMBER' }], scopes: [] };
    const token = await signPrincipal(principal, config.INTERNAL_TOKEN_SECRET);
    const client = wsClient(url, { principal: token });
    const sub = collect(client, `subscription { metricRecorded(name: "cpu") { value } }`);
    // Record until the subscription has seen a point: then the socket is surely open.
    await eventually(async () => {
      await gql(url, `mutation { recordMetric(input: { name: "cpu", value: 1 }) { value } }`, {}, { [PRINCIPAL_HEADER]: token });
      return sub.events.length > 0;
    }, true);

    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    expect((sub.error as { code?: number } | undefined)?.code).toBe(1001);
    expect(main.logged('monitoring stopped')).toBe(true);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    await client.dispose();
  } finally {
    main.child.kill('SIGKILL');
  }
});

test('unreachable PostgreSQL and Redis: exits 1 at once, naming both and how to start them', async () => {
  const main = runMain(environment({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/lattice', REDIS_URL: 'redis://127.0.0.1:1' }));
  expect(await main.exited).toBe(1);
  expect(main.output()).toContain('PostgreSQL is not reachable at 127.0.0.1:1');
  expect(main.output()).toContain('pg_ctlcluster');
  expect(main.output()).toContain('Redis is not reachable at 127.0.0.1:1');
  expect(main.output()).toContain('redis-server');
});

test.each([
  ['a secret too short', { INTERNAL_TOKEN_SECRET: 'short' }],
  ['production with the development secret', { NODE_ENV: 'production', INTERNAL_TOKEN_SECRET: DEV_INTERNAL_TOKEN_SECRET }],
])('invalid configuration (%s): exits 1 naming the setting', async (_case, overrides) => {
  const main = runMain(environment(overrides));
  expect(await main.exited).toBe(1);
  expect(main.output()).toContain('Invalid configuration');
  expect(main.output()).toContain('INTERNAL_TOKEN_SECRET');
});
