import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SUBGRAPH_URL_ENV, SUBGRAPHS, SUBGRAPH_TABLE } from '@lattice/platform';
import { dropTestDatabase, eventually, freePort, testConfig } from '@lattice/testing';

/**
 * `npm start`'s supervisor (scripts/supervise.js), in its own process as `npm start` runs it,
 * over two stand-in services: one killed with SIGKILL comes back after a growing delay (logged),
 * the other keeps running untouched, and SIGTERM stops both.
 */
const SUPERVISE = join(__dirname, '..', '..', 'scripts', 'supervise.js');
const SERVICE = `console.log('up ' + process.pid);
  process.on('SIGTERM', () => { console.log('bye ' + process.pid); process.exit(0); });
  setInterval(() => {}, 1000);`;
const RUNNER = `require(${JSON.stringify(SUPERVISE)}).supervise(
  ['alpha', 'beta'].map((name) => ({ name, command: process.execPath, args: ['-e', ${JSON.stringify(SERVICE)}] })),
  { restartDelayMs: 300, maxRestartDelayMs: 1000, healthyAfterMs: 60000 },
);`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a service killed with SIGKILL is restarted with backoff and logged, the other keeps running; SIGTERM stops all', async () => {
  const supervisor = spawn(process.execPath, ['-e', RUNNER], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  supervisor.stdout.on('data', (chunk: Buffer) => (output += chunk));
  supervisor.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
  const pidsOf = (name: string) => [...output.matchAll(new RegExp(`\\[${name}\\] up (\\d+)`, 'g'))].map((m) => Number(m[1]));
  const every: number[] = [];
  try {
    await eventually(() => pidsOf('alpha').length === 1 && pidsOf('beta').length === 1, true, 10_000);
    const [alpha] = pidsOf('alpha');
    const [beta] = pidsOf('beta');
    every.push(alpha!, beta!);

    process.kill(alpha!, 'SIGKILL');
    await eventually(() => pidsOf('alpha').length, 2, 10_000);
    expect(output).toMatch(
      /\[supervisor\] alpha exited \(signal SIGKILL\) after [\d.]+ s; restarting in 0\.3 s \(crash 1 in a row\); the others keep running/,
    );
    const second = pidsOf('alpha')[1]!;
    every.push(second);
    expect(second).not.toBe(alpha);

    process.kill(second, 'SIGKILL'); // again soon: it waits longer
    await eventually(() => pidsOf('alpha').length, 3, 10_000);
    expect(output).toMatch(/alpha exited \(signal SIGKILL\) after [\d.]+ s; restarting in 0\.6 s \(crash 2 in a row\)/);
    every.push(pidsOf('alpha')[2]!);

    // beta was never touched.
    expect(pidsOf('beta')).toEqual([beta]);
    expect(alive(beta!)).toBe(true);

    supervisor.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('[supervisor] SIGTERM: stopping alpha, beta');
    expect(output).toContain(`[beta] bye ${beta}`);
    expect(output).toContain('[supervisor] all stopped');
    for (const pid of every) expect(alive(pid)).toBe(false);
  } finally {
    supervisor.kill('SIGKILL');
    for (const pid of every) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
});

test('`npm start` (scripts/start.js, built services): monitoring killed with SIGKILL is back within seconds, the gateway answers throughout; SIGTERM stops all five', async () => {
  const config = await testConfig();
  const ports = Object.fromEntries(await Promise.all(SUBGRAPHS.map(async (name) => [name, await freePort()] as const)));
  const gatewayPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    START_WEB: 'false',
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    REDIS_PREFIX: config.REDIS_PREFIX,
    INTERNAL_TOKEN_SECRET: config.INTERNAL_TOKEN_SECRET,
    JWT_PRIVATE_KEY: config.JWT_PRIVATE_KEY,
    JWT_PUBLIC_KEY: config.JWT_PUBLIC_KEY,
    GATEWAY_PORT: String(gatewayPort),
    ...Object.fromEntries(
      SUBGRAPHS.flatMap((name) => [
        [SUBGRAPH_TABLE[name].portEnv, String(ports[name])],
        [SUBGRAPH_URL_ENV[name], `http://127.0.0.1:${ports[name]}/graphql`],
      ]),
    ),
  };
  const start = spawn(process.execPath, [join(__dirname, '..', '..', 'scripts', 'start.js')], {
    cwd: join(__dirname, '..', '..'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  start.stdout.on('data', (chunk: Buffer) => (output += chunk));
  start.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => start.once('exit', (code) => resolve(code)));
  const listening = (name: string) => output.split(`"msg":"${name} listening"`).length - 1;
  const pids = () => [...output.matchAll(/\[supervisor\] (\S+) started \(pid (\d+)\)/g)].map((m) => ({ name: m[1]!, pid: Number(m[2]) }));
  try {
    await eventually(() => ['gateway', ...SUBGRAPHS].every((name) => listening(name) === 1), true, 60_000);
    const monitoring = pids().find((p) => p.name === 'monitoring')!.pid;
    process.kill(monitoring, 'SIGKILL');
    const healthy = async () => (await fetch(`http://127.0.0.1:${gatewayPort}/healthz`).catch(() => undefined))?.status;
    expect(await healthy()).toBe(200);
    await eventually(() => listening('monitoring'), 2, 30_000);
    expect(output).toMatch(/\[supervisor\] monitoring exited \(signal SIGKILL\) after [\d.]+ s; restarting in 1\.0 s/);
    expect(await healthy()).toBe(200);
    for (const name of ['gateway', ...SUBGRAPHS.filter((n) => n !== 'monitoring')])
      expect(pids().filter((p) => p.name === name)).toHaveLength(1);

    start.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const { pid } of pids()) expect(alive(pid)).toBe(false);
    expect(output).toContain('[supervisor] all stopped');
  } finally {
    start.kill('SIGKILL');
    for (const { pid } of pids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await dropTestDatabase(config);
  }
});
