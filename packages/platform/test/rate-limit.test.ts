import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { tcpProxy, type TcpProxy } from '@lattice/testing';
import { addressKey, closeRedis, createLogger, createRedis, RedisLimiter, type Redis } from '../src/core';

/**
 * RedisLimiter: counts in Redis under the service's prefix (so replicas share them), and fails
 * open, with one warning, when Redis is gone or hangs. Redis is reached through a proxy this
 * file cuts and freezes; the machine's own Redis is never touched beyond this file's keys.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test:${randomBytes(5).toString('hex')}:`;
const quiet = createLogger('rate-limit-test', 'silent');

function capturingLogger() {
  const lines: Array<{ msg: string; level: number; limiter?: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger('rate-limit-test', 'info', sink), lines };
}

let direct: Redis;
const opened: Redis[] = [];
/** Ready before use: the limiter fails open on a connection that is not (rejectIfRedisNotReady). */
const connect = async (url = REDIS_URL) => {
  const redis = createRedis(url, quiet, { maxRetriesPerRequest: 1 });
  opened.push(redis);
  await redis.ping();
  return redis;
};
beforeAll(async () => {
  direct = await connect();
});
afterAll(async () => {
  const keys = await direct.keys(`${prefix}*`);
  if (keys.length) await direct.del(...keys);
  await Promise.all(opened.map((r) => closeRedis(r)));
});

test('counts per key in Redis under the prefix, shared by every instance, and says when to retry past the limit', async () => {
  const [a, b] = [await connect(), await connect()].map(
    (redis) => new RedisLimiter({ redis, prefix, name: 'shared', points: 3, durationSeconds: 60, logger: quiet }),
  );
  const first = await a!.consume('k');
  expect(first).toEqual({ allowed: true, consumed: 1, quota: { limit: 3, remaining: 2, resetSeconds: 60 } });
  // Another replica (another connection, another instance) sees the same count.
  expect((await b!.consume('k')).quota?.remaining).toBe(1);
  expect((await a!.consume('k')).quota?.remaining).toBe(0);
  const over = await b!.consume('k');
  expect(over).toMatchObject({ allowed: false, consumed: 4, quota: { limit: 3, remaining: 0 } });
  expect(over.allowed === false && over.retryAfterSeconds).toBeGreaterThan(55);
  expect(await direct.exists(`${prefix}ratelimit:shared:k`)).toBe(1);
  // Other keys are counted apart.
  expect((await a!.consume('other')).quota?.remaining).toBe(2);
});

test('block refuses a key for its duration; delete forgets it; reward gives a point back', async () => {
  const limiter = new RedisLimiter({ redis: direct, prefix, name: 'ops', points: 2, durationSeconds: 3600, logger: quiet });
  await limiter.consume('a');
  expect(await limiter.block('a', 30)).toBe(true);
  const blocked = await limiter.consume('a');
  expect(blocked.allowed).toBe(false);
  expect(blocked.allowed === false && blocked.retryAfterSeconds).toBeLessThanOrEqual(30);
  expect(await limiter.delete('a')).toBe(true);
  expect((await limiter.consume('a')).quota?.remaining).toBe(1);
  await limiter.reward('a');
  expect((await limiter.consume('a')).quota?.remaining).toBe(1);
});

test('addresses are counted as IPv4, or by their IPv6 /64 (one client holds a whole /64)', () => {
  expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
  expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:0DB8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:db8::5')).toBe('2001:db8:0:0::/64');
  expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
  expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  expect(addressKey(null)).toBe('unknown');
});

describe('when Redis is unavailable', () => {
  let proxy: TcpProxy;
  let limiter: RedisLimiter;
  let proxied: Redis;
  let lines: ReturnType<typeof capturingLogger>['lines'];
  beforeAll(async () => {
    const url = new URL(REDIS_URL);
    proxy = await tcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
    url.host = `127.0.0.1:${proxy.port}`;
    const captured = capturingLogger();
    lines = captured.lines;
    proxied = await connect(url.toString());
    limiter = new RedisLimiter({
      redis: proxied,
      prefix,
      name: 'outage',
      points: 1,
      durationSeconds: 60,
      logger: captured.logger,
      timeoutMs: 300,
    });
  });
  afterAll(async () => {
    // Closed once, here (a second close would arm an ioredis timer that outlives the file).
    opened.splice(opened.indexOf(proxied), 1);
    await closeRedis(proxied); // gives up on QUIT after a second: the proxy is frozen
    await proxy.close();
  });

  test('gone: actions pass uncounted (fail open) and one warning is logged, not one per action', async () => {
    expect((await limiter.consume('x')).allowed).toBe(true);
    expect((await limiter.consume('x')).allowed).toBe(false);
    await proxy.cut();
    for (let i = 0; i < 5; i++) expect(await limiter.consume('x')).toEqual({ allowed: true, consumed: null, quota: null });
    expect(await limiter.block('x', 10)).toBe(false);
    const warnings = lines.filter((l) => l.level === 40 && /not enforced: Redis unavailable/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.limiter).toBe('outage');
  });

  test('hanging: each call gives up within its timeout and lets the action through', async () => {
    await proxy.restore();
    await proxied.ping(); // connected and ready again: only the timeout can save the call now
    proxy.freeze();
    const started = Date.now();
    expect((await limiter.consume('y')).allowed).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
