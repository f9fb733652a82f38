'use strict';
// The product as real processes, the way it is deployed: four subgraphs and one gateway, each
// `node <dist>/main.js`, on free ports, with a fresh database and Redis prefix that are removed
// again on stop. Logs go to a temporary directory (kept, and named, when something fails).
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');

const ROOT = path.join(__dirname, '..', '..');
const platform = () => require(path.join(ROOT, 'packages/platform/dist'));
/** The test harness's helpers (onboard, scrapeMetrics, freePort), from the build like `platform`. */
const testing = () => require(path.join(ROOT, 'packages/testing/dist'));

const SUBGRAPH_MAIN = {
  accounts: 'subgraphs/accounts/dist/src/main.js',
  billing: 'subgraphs/billing/dist/src/main.js',
  'ai-platform': 'subgraphs/ai-platform/dist/src/main.js',
  monitoring: 'subgraphs/monitoring/dist/src/main.js',
};
const GATEWAY_MAIN = 'gateway/dist/main.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Every started stack, so an interrupted run can still stop them. */
const running = new Set();

async function deleteRedisKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Start the stack. `gatewayNodeArgs` are extra node flags for the gateway (e.g. --cpu-prof).
 * `root` is the checkout whose built dist/ runs (default: this one; the mutation-cost benchmark
 * passes a baseline worktree). Returns URLs, pids, the secrets the benchmark needs, and stop().
 */
async function startStack({ gatewayNodeArgs = [], inspect = [], label = 'bench', root = ROOT } = {}) {
  const { ensureDatabase, generateKeyPairPem, SUBGRAPH_URL_ENV } = platform();
  const id = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/lattice_bench_${id}`;
  const databaseUrl = base.toString();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `bench:${id}:`;
  const internalTokenSecret = randomBytes(32).toString('hex');
  const keys = await generateKeyPairPem();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), `lattice-${label}-`));

  const children = new Map(); // name → { child, log, exited }
  let stopped = false;
  let failed = false;
  let databaseCreated = false;

  const stack = {
    id,
    databaseUrl,
    redisUrl,
    redisPrefix,
    internalTokenSecret,
    /** The access-token key pair the services were given (accounts signs with the private key). */
    keys,
    logDir,
    urls: {},
    pids: {},
    /** Inspector ports of the services started with --inspect (see `inspect`). */
    inspectPorts: {},
    /** The gateway's /graphql URL. */
    url: '',
    /** Lines at warn level or above in a service's log. */
    logProblems(name) {
      const text = fs.existsSync(path.join(logDir, `${name}.log`)) ? fs.readFileSync(path.join(logDir, `${name}.log`), 'utf8') : '';
      const counts = { warn: 0, error: 0, fatal: 0, other: 0 };
      const messages = new Map();
      for (const line of text.split('\n').filter(Boolean)) {
        let entry;
        try {
          entry = JSON.parse(line);
        } catch {
          // node --inspect announces itself on stderr.
          if (/^(Debugger listening|For help, see)/.test(line)) continue;
          counts.other++;
          continue;
        }
        const level = entry.level >= 60 ? 'fatal' : entry.level >= 50 ? 'error' : entry.level >= 40 ? 'warn' : null;
        if (!level) continue;
        counts[level]++;
        messages.set(entry.msg, (messages.get(entry.msg) ?? 0) + 1);
      }
      return { ...counts, messages: Object.fromEntries(messages) };
    },
    markFailed() {
      failed = true;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      running.delete(stack);
      // Extra processes (e.g. a reference gateway) and the gateway first (they hold the upstream
      // sockets), then the subgraphs.
      const order = [
        ...[...children.keys()].filter((n) => n !== 'gateway' && !(n in SUBGRAPH_MAIN)),
        'gateway',
        ...Object.keys(SUBGRAPH_MAIN),
      ];
      for (const name of order) {
        const entry = children.get(name);
        if (!entry || entry.exitCode !== undefined) continue;
        entry.child.kill('SIGTERM');
        let timer;
        const exited = await Promise.race([entry.exited.then(() => true), new Promise((r) => (timer = setTimeout(r, 12_000, false)))]);
        clearTimeout(timer);
        if (!exited) {
          entry.child.kill('SIGKILL');
          await entry.exited;
        }
      }
      const problems = [];
      if (databaseCreated)
        await platform()
          .dropDatabase(databaseUrl, 'lattice_bench_')
          .catch((err) => problems.push(`could not drop ${databaseUrl}: ${err.message}`));
      await deleteRedisKeys(redisUrl, redisPrefix).catch((err) =>
        problems.push(`could not delete Redis keys ${redisPrefix}*: ${err.message}`),
      );
      if (failed) console.error(`  service logs kept in ${logDir}`);
      else fs.rmSync(logDir, { recursive: true, force: true });
      for (const p of problems) console.error(`  ${p}`);
    },
  };
  running.add(stack);

  const spawnService = (name, file, env, nodeArgs = []) => {
    const log = path.join(logDir, `${name}.log`);
    const fd = fs.openSync(log, 'a');
    const child = spawn(process.execPath, [...nodeArgs, file], { cwd: root, env, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    const entry = { child, log, exitCode: undefined };
    entry.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((entry.exitCode = code ?? signal))));
    children.set(name, entry);
    stack.pids[name] = child.pid;
    return entry;
  };

  const readyz = async (url) => (await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(2000) })).ok;
  const waitReady = async (name, url, timeoutMs = 60_000, probe = readyz) => {
    const entry = children.get(name);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (entry.exitCode !== undefined) throw new Error(`${name} exited (${entry.exitCode}) while starting:\n${tail(entry.log)}`);
      try {
        if (await probe(url)) return;
      } catch {}
      await sleep(100);
    }
    throw new Error(`${name} was not ready within ${timeoutMs / 1000}s:\n${tail(entry.log)}`);
  };

  /**
   * One more process that belongs to this stack (stopped with it, before the gateway): `file` is
   * run with `env` added to the services' environment; ready when `probe(url)` resolves true.
   * Its pid is in `stack.pids[name]`.
   */
  stack.spawnExtra = async (name, file, env, url, probe) => {
    if (children.has(name)) throw new Error(`${name} is already running`);
    spawnService(name, file, { ...stack.env, ...env });
    try {
      await waitReady(name, url, 60_000, probe);
    } catch (err) {
      failed = true;
      throw err;
    }
  };

  try {
    const ports = {};
    for (const name of [...Object.keys(SUBGRAPH_MAIN), 'gateway']) ports[name] = await testing().freePort();
    for (const name of inspect) stack.inspectPorts[name] = await testing().freePort();
    const inspectArgs = (name) => (stack.inspectPorts[name] ? [`--inspect=127.0.0.1:${stack.inspectPorts[name]}`] : []);
    const env = (stack.env = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      INTERNAL_TOKEN_SECRET: internalTokenSecret,
      JWT_PRIVATE_KEY: keys.privateKey,
      JWT_PUBLIC_KEY: keys.publicKey,
      ACCESS_TOKEN_TTL: '3600',
      // Load comes from a few users on 127.0.0.1: limits high enough to be counted on every
      // request (their cost is part of what is measured) but never to refuse one.
      RATE_LIMIT_PER_USER: '1000000000',
      RATE_LIMIT_PER_IP: '1000000000',
      SIGNUP_MAX_PER_IP: '1000000',
      LOGIN_MAX_FAILURES_PER_IP: '1000000',
      // Thousands of subscribers connect from 127.0.0.1: above the per-address socket cap.
      WS_MAX_CONNECTIONS_PER_IP: '100000',
      WS_MAX_CONNECTIONS: '100000',
      GATEWAY_PORT: String(ports.gateway),
    });
    for (const name of Object.keys(SUBGRAPH_MAIN)) {
      const urlVar = SUBGRAPH_URL_ENV[name];
      env[urlVar.replace(/_URL$/, '_PORT')] = String(ports[name]);
      env[urlVar] = stack.urls[name] = `http://127.0.0.1:${ports[name]}/graphql`;
    }
    // Created here once rather than by four subgraphs racing to do it.
    await ensureDatabase(databaseUrl);
    databaseCreated = true;
    for (const [name, file] of Object.entries(SUBGRAPH_MAIN)) spawnService(name, file, env, inspectArgs(name));
    await Promise.all(Object.keys(SUBGRAPH_MAIN).map((name) => waitReady(name, stack.urls[name])));
    // The product's flags (npm start, compose), then the benchmark's own.
    spawnService('gateway', GATEWAY_MAIN, env, [...platform().GATEWAY_NODE_FLAGS, ...inspectArgs('gateway'), ...gatewayNodeArgs]);
    stack.urls.gateway = stack.url = `http://127.0.0.1:${ports.gateway}/graphql`;
    await waitReady('gateway', stack.url);
  } catch (err) {
    failed = true;
    await stack.stop();
    throw err;
  }
  return stack;
}

/** Stop every stack still running (interrupt or crash of the benchmark). */
async function stopAll() {
  await Promise.allSettled([...running].map((s) => (s.markFailed(), s.stop())));
}

module.exports = { startStack, stopAll, ROOT, platform, testing };
