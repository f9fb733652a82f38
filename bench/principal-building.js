#!/usr/bin/env node
'use strict';
// What building a user's principal from the membership projection costs the gateway per request:
// the in-process cache warm (the common case: notifications drop entries, they expire after 1 s)
// against a Redis GET on every call (a cold cache, and what the re-read after a mutation's fetch
// costs). Needs Redis (REDIS_URL) and the built dist (`npm run build`). Not part of `npm test`.
//   node bench/principal-building.js            # CALLS=20000 CONCURRENCY=1,32
const { randomBytes, randomUUID } = require('node:crypto');
const { createLogger, createRedis, closeRedis, MembershipSource, writeMembershipProjection } = require('../packages/platform/dist/core');

const CALLS = Number(process.env.CALLS ?? 20000);
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,32').split(',').map(Number);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function measure(source, credential, concurrency) {
  const times = [];
  let next = 0;
  const worker = async () => {
    while (next < CALLS) {
      next++;
      const started = process.hrtime.bigint();
      await source.principalFor(credential);
      times.push(Number(process.hrtime.bigint() - started) / 1000);
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    perSecond: CALLS / seconds,
  };
}

async function main() {
  const logger = createLogger('bench', 'silent');
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', logger);
  const prefix = `bench:${randomBytes(4).toString('hex')}:`;
  const user = randomUUID();
  const memberships = [randomUUID(), randomUUID(), randomUUID()].map((org, i) => ({ org, role: ['OWNER', 'MEMBER', 'VIEWER'][i] }));
  await writeMembershipProjection(redis, prefix, user, { version: 1, memberships });
  const credential = {
    sub: user,
    kind: 'user',
    org: memberships[0].org,
    role: 'OWNER',
    memberships: [],
    scopes: [],
    platformAdmin: false,
    sid: randomUUID(),
  };
  const warm = await MembershipSource.start({ redis, prefix, logger });
  const cold = await MembershipSource.start({ redis, prefix, logger, cacheMs: 0 });
  try {
    const rows = [];
    for (const concurrency of CONCURRENCY) {
      for (const [name, source] of [
        ['cache warm', warm],
        ['Redis GET each call', cold],
      ]) {
        await measure(source, credential, concurrency); // warm-up
        const r = await measure(source, credential, concurrency);
        rows.push(
          `| ${name} | ${concurrency} | ${r.mean.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${Math.round(r.perSecond).toLocaleString('en')} |`,
        );
      }
    }
    console.log(`principalFor, ${CALLS} calls per row, Node ${process.version}\n`);
    console.log('| projection read | concurrent calls | mean µs | p50 µs | p99 µs | calls/s |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) console.log(row);
  } finally {
    await warm.close();
    await cold.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await closeRedis(redis);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
