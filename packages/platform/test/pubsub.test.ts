import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
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

test('with Redis accepting connections but never answering, publish gives up after its timeout and closing does not hang', async () => {
  // A TCP peer that takes the connection and says nothing, as a hung Redis would.
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1');
  await new Promise((resolve) => silent.once('listening', resolve));
  const { port } = silent.address() as { port: number };
  const redis = createRedis(`redis://127.0.0.1:${port}`, logger);
  const pubsub = new PubSub(redis, 'test:silent:', logger);
  try {
    await expect(pubsub.publish('greetings', { hello: 'nobody' })).resolves.toBe(false);
  } finally {
    // Neither may hang on a Redis that never answers QUIT.
    await pubsub.close();
    await closeRedis(redis);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
