import { randomBytes } from 'node:crypto';
import { createRedis, streamKey, trimAcknowledged, type Redis } from '../src';
import { logger, REDIS_URL } from './events-fixture';

const prefix = `test:${randomBytes(5).toString('hex')}:`;
let redis: Redis;

beforeAll(() => {
  redis = createRedis(REDIS_URL, logger);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

type Read = Array<[string, Array<[string, string[]]>]>;

/** A stream of `count` entries; returns their ids, oldest first. */
async function streamOf(topic: string, count: number) {
  const key = streamKey(prefix, topic);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await redis.xadd(key, '*', 'event', JSON.stringify({ n: i })))!);
  return { key, ids };
}

/** Read `count` entries as one consumer of `group`, acknowledging the first `ack` of them. */
async function readAndAck(key: string, group: string, count: number, ack: number) {
  const read = (await redis.xreadgroup('GROUP', group, 'c', 'COUNT', count, 'STREAMS', key, '>')) as Read;
  const ids = read[0]![1].map(([id]) => id);
  if (ack) await redis.xack(key, group, ...ids.slice(0, ack));
  return ids;
}

const remaining = async (key: string) => (await redis.xrange(key, '-', '+')).map(([id]) => id);

test('with two groups, trimming keeps everything the slower group has not acknowledged', async () => {
  const { key, ids } = await streamOf('trim.two-groups', 10);
  await redis.xgroup('CREATE', key, 'fast', '0');
  await redis.xgroup('CREATE', key, 'slow', '0');
  await readAndAck(key, 'fast', 10, 10);
  await readAndAck(key, 'slow', 4, 2); // entries 3 and 4 pending, 5.. never delivered

  expect(await trimAcknowledged(redis, key)).toBe(2);
  expect(await remaining(key)).toEqual(ids.slice(2));

  // The slow group acknowledges one more: its oldest pending is now entry 4.
  await redis.xack(key, 'slow', ids[2]!);
  expect(await trimAcknowledged(redis, key)).toBe(1);
  expect(await remaining(key)).toEqual(ids.slice(3));

  // Nothing pending, but entries after its last-delivered id were never delivered to it: they stay.
  await redis.xack(key, 'slow', ids[3]!);
  expect(await trimAcknowledged(redis, key)).toBe(1);
  expect(await remaining(key)).toEqual(ids.slice(4));

  // Both groups through: everything goes.
  await readAndAck(key, 'slow', 10, 6);
  expect(await trimAcknowledged(redis, key)).toBe(6);
  expect(await redis.xlen(key)).toBe(0);
});

test('a group that has read nothing holds the whole stream', async () => {
  const { key } = await streamOf('trim.idle-group', 5);
  await redis.xgroup('CREATE', key, 'busy', '0');
  await redis.xgroup('CREATE', key, 'idle', '0');
  await readAndAck(key, 'busy', 5, 5);
  expect(await trimAcknowledged(redis, key)).toBe(0);
  expect(await redis.xlen(key)).toBe(5);
});

test('a stream without groups, or no stream at all, is left alone', async () => {
  const { key } = await streamOf('trim.no-groups', 3);
  expect(await trimAcknowledged(redis, key)).toBe(0);
  expect(await redis.xlen(key)).toBe(3);
  expect(await trimAcknowledged(redis, streamKey(prefix, 'trim.missing'))).toBe(0);
});
