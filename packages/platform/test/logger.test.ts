import { Writable } from 'node:stream';
import { createLogger, requestScope } from '../src';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: createLogger('logger-test', 'info', stream) };
}

test('a line written while serving a request carries its id, also across awaits; others carry none', async () => {
  const { lines, logger } = capture();
  await requestScope.run({ requestId: 'req-1' }, async () => {
    logger.info('before');
    await new Promise((resolve) => setTimeout(resolve, 5));
    logger.child({ part: 'db' }).warn('after an await, from a child logger');
  });
  logger.info('outside');
  expect(lines.map((l) => [l.msg, l.requestId, l.service])).toEqual([
    ['before', 'req-1', 'logger-test'],
    ['after an await, from a child logger', 'req-1', 'logger-test'],
    ['outside', undefined, 'logger-test'],
  ]);
});

test('credentials and personal data are censored', () => {
  const { lines, logger } = capture();
  logger.info(
    { email: 'ada@example.com', password: 'secret', input: { refreshToken: 'r', email: 'x@y.z' }, variables: { a: 1 } },
    'signed up',
  );
  expect(lines[0]).toMatchObject({
    email: '[redacted]',
    password: '[redacted]',
    input: { refreshToken: '[redacted]', email: '[redacted]' },
    variables: '[redacted]',
  });
  expect(JSON.stringify(lines[0])).not.toMatch(/ada@example|secret|x@y\.z/);
});
