import { createChannel } from '../src/channel';

test('return() while a consumer is parked ends it at once and closes the source exactly once', async () => {
  const onClose = jest.fn();
  const channel = createChannel<number>({ maxBuffer: 10, onClose });
  const parked = channel.iterator.next();
  await channel.iterator.return!();
  await expect(parked).resolves.toEqual({ value: undefined, done: true });
  channel.end();
  channel.push(1);
  expect(onClose).toHaveBeenCalledTimes(1);
  await expect(channel.iterator.next()).resolves.toEqual({ value: undefined, done: true });
});

test('a slow consumer keeps the newest values, and the overflow is reported once', async () => {
  const onOverflow = jest.fn();
  const channel = createChannel<number>({ maxBuffer: 2, onOverflow });
  for (const v of [1, 2, 3, 4]) channel.push(v);
  expect(onOverflow).toHaveBeenCalledTimes(1);
  expect((await channel.iterator.next()).value).toBe(3);
  expect((await channel.iterator.next()).value).toBe(4);
});

test('a failure arrives after the buffered values, then the channel is done', async () => {
  const channel = createChannel<number>({ maxBuffer: 10 });
  channel.push(1);
  channel.fail(new Error('upstream went away'));
  expect((await channel.iterator.next()).value).toBe(1);
  await expect(channel.iterator.next()).rejects.toThrow('upstream went away');
  await expect(channel.iterator.next()).resolves.toEqual({ value: undefined, done: true });
});
