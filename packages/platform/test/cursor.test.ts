import { connectionFrom, keyset, mapConnection, MAX_CURSOR_LENGTH, pageSize } from '../src';

const ID = '0b6f3c2e-8d1a-4c5e-9f00-1234567890ab';
/** What a crafted cursor looks like: any JSON, base64url-encoded. */
const craft = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return (err as { extensions?: unknown }).extensions;
  }
};

describe('keyset cursor codec', () => {
  test('round-trips a date and a uuid', () => {
    const codec = keyset(['date', 'uuid']);
    const at = new Date('2026-11-30T12:34:56.789Z');
    const cursor = codec.encode([at, ID]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = codec.decode(cursor);
    expect(decoded).toEqual([at, ID]);
    expect(decoded![0]).toBeInstanceOf(Date);
  });

  test('round-trips strings, ints and a mix of all types', () => {
    const codec = keyset(['string', 'int', 'date', 'uuid']);
    const values: [string, number, Date, string] = ['Ünïcode "quoted" , name', -2147483648, new Date('0001-01-01T00:00:00.000Z'), ID];
    expect(codec.decode(codec.encode(values))).toEqual(values);
    const ints = keyset(['int', 'int']);
    expect(ints.decode(ints.encode([0, 2147483647]))).toEqual([0, 2147483647]);
  });

  test('upper-case uuids are normalized to lower case', () => {
    const codec = keyset(['uuid']);
    expect(codec.encode([ID.toUpperCase()])).toBe(codec.encode([ID]));
    expect(codec.decode(craft([ID.toUpperCase()]))).toEqual([ID]);
  });

  test('is compatible with the cursors lists already handed out: JSON [iso, id] in base64url', () => {
    expect(keyset(['date', 'uuid']).decode(craft(['2026-01-01T00:00:00.000Z', ID]))).toEqual([new Date('2026-01-01T00:00:00.000Z'), ID]);
  });

  test('no cursor is no position', () => {
    const codec = keyset(['date', 'uuid']);
    expect(codec.decode(null)).toBeNull();
    expect(codec.decode(undefined)).toBeNull();
  });

  const dateId = keyset(['date', 'uuid']);
  test.each<[string, string]>([
    ['empty', ''],
    ['not base64url', 'not a cursor'],
    ['base64 with padding', Buffer.from('["x"]').toString('base64') + '=='],
    ['not JSON', Buffer.from('{[').toString('base64url')],
    ['JSON but not an array', craft({ createdAt: '2026-01-01T00:00:00.000Z', id: ID })],
    ['too few values', craft(['2026-01-01T00:00:00.000Z'])],
    ['too many values', craft(['2026-01-01T00:00:00.000Z', ID, 1])],
    ['a non-uuid id', craft(['2026-01-01T00:00:00.000Z', "x' or 1=1"])],
    ['an invalid date', craft(['yesterday', ID])],
    ['a date that does not exist', craft(['2026-02-30T00:00:00.000Z', ID])],
    ['a date without milliseconds', craft(['2026-01-01T00:00:00Z', ID])],
    ['a date PostgreSQL cannot hold', craft(['-200000-01-01T00:00:00.000Z', ID])],
    ['year 0', craft(['0000-01-01T00:00:00.000Z', ID])],
    ['a number for a date', craft([1767225600000, ID])],
    ['null values', craft([null, null])],
    ['too long', 'A'.repeat(MAX_CURSOR_LENGTH + 1)],
  ])('a cursor that is %s is BAD_USER_INPUT naming after', (_what, cursor) => {
    expect(codeOf(() => dateId.decode(cursor))).toEqual({
      code: 'BAD_USER_INPUT',
      fields: [{ path: ['after'], message: 'is not a cursor returned by this list' }],
    });
  });

  test.each<[string, unknown]>([
    ['a fraction', 1.5],
    ['beyond a 32-bit integer', 2 ** 31],
    ['a numeric string', '7'],
    ['a boolean', true],
  ])('an int sort key that is %s is rejected', (_what, value) => {
    expect(codeOf(() => keyset(['int']).decode(craft([value])))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  test('a string sort key with NUL (PostgreSQL text cannot hold it) or of another type is rejected', () => {
    const codec = keyset(['string']);
    expect(codeOf(() => codec.decode(craft(['a\u0000b'])))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(codeOf(() => codec.decode(craft([42])))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  test('the argument named in the error can be another than after', () => {
    expect(codeOf(() => dateId.decode('garbage', 'before'))).toMatchObject({ fields: [{ path: ['before'] }] });
  });

  test('encoding values of the wrong shape is a bug, not input', () => {
    expect(() => dateId.encode([new Date('nope'), ID])).toThrow(RangeError);
    expect(() => (dateId.encode as (v: unknown[]) => string)([new Date()])).toThrow(/2 values/);
  });
});

describe('connectionFrom', () => {
  const codec = keyset(['int']);
  const rows = [{ n: 3 }, { n: 2 }, { n: 1 }];
  const cursorOf = (r: { n: number }) => codec.encode([r.n]);

  test('the extra row means there is a next page, and is not an edge', () => {
    const page = connectionFrom(rows, 2, cursorOf);
    expect(page.edges.map((e) => e.node.n)).toEqual([3, 2]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: cursorOf({ n: 2 }) });
    expect(codec.decode(page.pageInfo.endCursor)).toEqual([2]);
  });

  test('the last page and the empty page', () => {
    expect(connectionFrom(rows, 3, cursorOf).pageInfo).toEqual({ hasNextPage: false, endCursor: cursorOf({ n: 1 }) });
    expect(connectionFrom([], 20, cursorOf)).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  test('mapConnection maps nodes and keeps cursors', () => {
    const page = mapConnection(connectionFrom(rows, 2, cursorOf), (r) => `#${r.n}`);
    expect(page.edges).toEqual([
      { cursor: cursorOf({ n: 3 }), node: '#3' },
      { cursor: cursorOf({ n: 2 }), node: '#2' },
    ]);
  });
});

test.each([[0], [-1], [101], [1.5]])('pageSize(%p) is BAD_USER_INPUT naming first', (first) => {
  expect(codeOf(() => pageSize(first))).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['first'] }] });
});

test('pageSize defaults to 20 and allows 1 to 100', () => {
  expect([pageSize(null), pageSize(undefined), pageSize(1), pageSize(100)]).toEqual([20, 20, 1, 100]);
});
