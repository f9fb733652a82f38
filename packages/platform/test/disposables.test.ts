import { Writable } from 'node:stream';
import { createLogger, Disposables, withDeadline } from '../src';

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<{ msg: string; resource?: string; level: number }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: createLogger('disposables-test', 'info', sink), lines };
}

test('dispose closes in reverse order of adding and waits for each close', async () => {
  const { logger } = capturingLogger();
  const order: string[] = [];
  const stack = new Disposables(logger);
  for (const name of ['database', 'redis', 'relay', 'workers']) {
    stack.add(name, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(name);
    });
  }
  await stack.dispose();
  expect(order).toEqual(['workers', 'relay', 'redis', 'database']);
  expect(stack.size).toBe(0);
});

test('a failing close and a hanging close are logged and bounded; the others still close', async () => {
  const { logger, lines } = capturingLogger();
  const closed: string[] = [];
  const stack = new Disposables(logger, 100);
  stack.add('first', () => void closed.push('first'));
  stack.add('hangs', () => new Promise(() => undefined));
  stack.add('throws', () => {
    throw new Error('boom');
  });
  stack.add('last', () => void closed.push('last'));

  const started = Date.now();
  await expect(stack.dispose()).resolves.toBeUndefined();
  expect(Date.now() - started).toBeLessThan(1000);
  expect(closed).toEqual(['last', 'first']);
  await new Promise((resolve) => setImmediate(resolve)); // let pino flush
  expect(lines.filter((l) => l.msg === 'failed to close cleanly').map((l) => l.resource)).toEqual(['throws', 'hangs']);
});

test('dispose twice closes once; something added after the stop began is closed at once', async () => {
  const { logger } = capturingLogger();
  let closes = 0;
  const stack = new Disposables(logger);
  stack.add('once', () => void closes++);
  await Promise.all([stack.dispose(), stack.dispose()]);
  expect(closes).toBe(1);
  let late = false;
  stack.add('late', () => void (late = true));
  await new Promise((resolve) => setImmediate(resolve));
  expect(late).toBe(true);
});

test('withDeadline passes a timely result through and rejects a late one', async () => {
  await expect(withDeadline(Promise.resolve(42), 50, 'quick')).resolves.toBe(42);
  await expect(withDeadline(new Promise(() => undefined), 30, 'slow thing')).rejects.toThrow('slow thing did not finish within 30 ms');
});
