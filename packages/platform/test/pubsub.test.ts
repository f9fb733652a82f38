import { randomBytes } from 'node:crypto';
import { tcpProxy } from '@lattice/testing';
import { closeRedis, createLogger, createRedis, PubSub } from '../src';

const logger = createLogger('pubsub-test', 'silent');

test('publish reaches a subscriber of the prefixed channel through Redis and reports true', async () => {
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', logger);
  const pubsub = new PubSub(redis, `test:${randomBytes(4).toString('hex')}:`, logger);
  try {
    const received: unknown[] = [];
    const stop = await pubsub.subscribe('greetings', (payload) => received.push(payload));
    expect(await pubsub.publish('greetings', { hello: 'world' })).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([{ hello: 'world' }]);
    await stop();
  } finally {
    await pubsub.close();
    await redis.quit();
  }
});

test('with Redis unreachable, publish reports false instead of failing the write that came before it', async () => {
  // Port 1: nothing listens, so every connection attempt is refused.
  const redis = createRedis('redis://127.0.0.1:1', logger, { retryStrategy: (times) => Math.min(times * 10, 50) });
  const pubsub = new PubSub(redis, 'test:unreachable:', logger);
  try {
    await expect(pubsub.publish('greetings', { hello: 'nobody' })).resolves.toBe(false);
  } finally {
    redis.disconnect();
    await pubsub.close().catch(() => undefined);
  }
});

test('with Redis hanging (connected, then never answering), publish gives up after its timeout and closing does not hang', async () => {
  // A proxy to the real Redis that swallows everything once both connections are ready, as a hung
  // Redis would. (A peer silent from the first byte leaves ioredis's ready check pending, and closing
  // such a connection arms a 2 s ioredis timer that kept the jest worker alive after the file.)
  const target = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  const redis = createRedis(`redis://127.0.0.1:${proxy.port}`, logger);
  const pubsub = new PubSub(redis, 'test:silent:', logger);
  try {
    await Promise.all([redis.ping(), pubsub.ready()]);
    proxy.freeze();
    await expect(pubsub.publish('greetings', { hello: 'nobody' })).resolves.toBe(false);
  } finally {
    // Neither may hang on a Redis that never answers QUIT.
    await pubsub.close();
    await closeRedis(redis);
    await proxy.close();
  }
});
