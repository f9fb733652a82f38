import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEV_INTERNAL_TOKEN_SECRET,
  PRINCIPAL_HEADER,
  signPrincipal,
  SUBGRAPH_URL_ENV,
  type Config,
  type Principal,
  type SubgraphName,
} from '@lattice/platform';
import {
  collect,
  dropTestDatabase,
  eventually,
  freePort,
  gql,
  onboard,
  startStack,
  testConfig,
  userPrincipal,
  wsClient,
} from '@lattice/testing';
import { SUBGRAPH_FACTORIES } from './helpers';

// The real entry points, as `npm start` runs them: compiled main.js files in their own processes
// (`npm test` builds first, in its pretest step).
const ROOT = join(__dirname, '..', '..');
const MONITORING_MAIN = join(ROOT, 'subgraphs', 'monitoring', 'dist', 'src', 'main.js');
const GATEWAY_MAIN = join(ROOT, 'gateway', 'dist', 'main.js');

/** Source files of one project, recursively. */
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/**
 * `npm test` builds first; a bare `npx jest` does not, and would quietly run old code here.
 * `tsc -b` stamps a project's build info on every build, also when nothing had to change.
 */
function assertBuilt(project: string, buildInfo: string) {
  const info = join(ROOT, project, buildInfo);
  if (!existsSync(info)) throw new Error(`${project} is not built: run \`npm run build\``);
  const builtAt = statSync(info).mtimeMs;
  const stale = sources(join(ROOT, project, 'src')).find((file) => statSync(file).mtimeMs > builtAt);
  if (stale) throw new Error(`${stale} is newer than its build: run \`npm run build\``);
}

let config: Config;
beforeAll(async () => {
  assertBuilt('packages/platform', 'tsconfig.tsbuildinfo');
  assertBuilt('subgraphs/monitoring', 'dist/tsconfig.tsbuildinfo');
  assertBuilt('gateway', 'tsconfig.tsbuildinfo');
  config = await testConfig();
});
afterAll(() => dropTestDatabase(config));

function environment(overrides: Record<string, string> = {}, of: Config = config): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    DATABASE_URL: of.DATABASE_URL,
    REDIS_URL: of.REDIS_URL,
    REDIS_PREFIX: of.REDIS_PREFIX,
    INTERNAL_TOKEN_SECRET: of.INTERNAL_TOKEN_SECRET,
    ...overrides,
  };
}

function runMain(env: NodeJS.ProcessEnv, main = MONITORING_MAIN) {
  // From the repository root, where the gateway finds supergraph.graphql.
  const child = spawn(process.execPath, [main], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

const RECORD_CPU = `mutation { recordMetric(input: { name: "cpu", value: 1 }) { value } }`;

test('monitoring in production, without access-token keys it does not use: SIGTERM closes open subscriptions with 1001 and exits 0', async () => {
  const port = await freePort();
  const main = runMain(environment({ NODE_ENV: 'production', MONITORING_PORT: String(port) }));
  try {
    await eventually(() => main.logged('monitoring listening'), true, 30_000);
    const url = `http://127.0.0.1:${port}/graphql`;
    const org = '00000000-0000-4000-8000-000000000001';
    const principal: Principal = userPrincipal(org, 'MEMBER', [], '00000000-0000-4000-8000-000000000002');
    const token = await signPrincipal(principal, config.INTERNAL_TOKEN_SECRET);
    const client = wsClient(url, { principal: token });
    const sub = collect(client, `subscription { metricRecorded(name: "cpu") { value } }`);
    // Record until the subscription has seen a point: then the socket is surely open.
    await eventually(async () => {
      await gql(url, RECORD_CPU, {}, { [PRINCIPAL_HEADER]: token });
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

test('the gateway on SIGTERM closes client sockets with 1001, releases its subgraph subscriptions and exits 0', async () => {
  const stack = await startStack({ subgraphs: SUBGRAPH_FACTORIES });
  const port = await freePort();
  const subgraphUrls = Object.fromEntries(
    Object.entries(stack.subgraphs).map(([name, s]) => [SUBGRAPH_URL_ENV[name as SubgraphName], s!.url]),
  );
  const main = runMain(
    environment({ GATEWAY_PORT: String(port), JWT_PUBLIC_KEY: stack.config.JWT_PUBLIC_KEY!, ...subgraphUrls }, stack.config),
    GATEWAY_MAIN,
  );
  try {
    await eventually(() => main.logged('gateway listening'), true, 30_000);
    const url = `http://127.0.0.1:${port}/graphql`;
    const alice = await onboard(url, 'Alice Stops');
    const client = wsClient(url, { authorization: `Bearer ${alice.accessToken}` });
    const sub = collect(client, `subscription { metricRecorded(name: "cpu") { value recordedBy { email } } }`);
    await eventually(async () => {
      await gql(url, RECORD_CPU, {}, alice.headers);
      return sub.events.length > 0;
    }, true);
    expect(sub.events[0]!.data).toEqual({ metricRecorded: { value: 1, recordedBy: { email: alice.email } } });
    const monitoring = stack.subgraphs.monitoring!.server.runtime.pubsub;
    expect(monitoring.channelCount).toBe(1);

    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    expect((sub.error as { code?: number } | undefined)?.code).toBe(1001);
    expect(main.logged('gateway stopped')).toBe(true);
    // The gateway closed its socket to monitoring, so monitoring let go of the Redis channel.
    await eventually(() => monitoring.channelCount, 0);
    await client.dispose();
  } finally {
    main.child.kill('SIGKILL');
    await stack.stop();
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
