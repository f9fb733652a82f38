import { badUserInput } from './errors';
import { isId } from './validation';

/**
 * The types a sort key can have, each checked on decode against what PostgreSQL accepts, so a
 * crafted cursor is BAD_USER_INPUT rather than a failing statement (a 500):
 * `date` (timestamptz, millisecond ISO string), `uuid`, `string` (text, no NUL), `int` (32-bit integer).
 */
export type SortKeyType = 'date' | 'uuid' | 'string' | 'int';

type SortKeyValue<T> = T extends 'date' ? Date : T extends 'int' ? number : string;

/** The tuple of values a keyset codec encodes: `keyset(['date', 'uuid'])` → `[Date, string]`. */
export type SortKeyValues<T extends readonly SortKeyType[]> = { -readonly [I in keyof T]: SortKeyValue<T[I]> };

/** Opaque cursor ⇄ the sort-key values of the last row of a page. */
export interface CursorCodec<V extends readonly unknown[]> {
  readonly types: readonly SortKeyType[];
  /** base64url of the values; what a connection hands out as `cursor` / `endCursor`. */
  encode(values: V): string;
  /**
   * The values of a cursor this codec encoded; null when there is none (first page). Anything
   * else (garbage, another shape, values PostgreSQL would reject) is BAD_USER_INPUT naming `argument`.
   */
  decode(cursor: string | null | undefined, argument?: string): V | null;
}

/** Long enough for any sort key we page by (names, slugs), short enough to bound the parse. */
export const MAX_CURSOR_LENGTH = 2048;

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

const invalid = Symbol('invalid');

const serialize: { [T in SortKeyType]: (value: SortKeyValue<T>) => string | number } = {
  date: (d) => d.toISOString(), // throws on an invalid Date: a bug of the caller, not input
  uuid: (id) => id.toLowerCase(),
  string: (s) => s,
  int: (n) => n,
};

const parse: { [T in SortKeyType]: (raw: unknown) => SortKeyValue<T> | typeof invalid } = {
  date(raw) {
    if (typeof raw !== 'string' || !ISO_MS.test(raw)) return invalid;
    const d = new Date(raw);
    // Round-trips exactly (no 2026-02-30), and inside what timestamptz and toISOString both hold.
    return !Number.isNaN(d.getTime()) && d.toISOString() === raw && d.getUTCFullYear() >= 1 ? d : invalid;
  },
  uuid: (raw) => (isId(raw) ? raw.toLowerCase() : invalid),
  string: (raw) => (typeof raw === 'string' && !raw.includes('\u0000') ? raw : invalid),
  int: (raw) => (Number.isInteger(raw) && (raw as number) >= INT32.min && (raw as number) <= INT32.max ? (raw as number) : invalid),
};

/**
 * A cursor codec over a tuple of typed sort-key values, e.g. newest first by (created_at, id):
 *
 *     const PROMPT_CURSOR = keyset(['date', 'uuid']);
 *     PROMPT_CURSOR.encode([p.createdAt, p.id]);            // 'WyIyMDI2LTAx…'
 *     const after = PROMPT_CURSOR.decode(args.after);        // [Date, string] | null
 *     if (after) qb.andWhere('(p.created_at, p.id) < (?, ?)', after);
 */
export function keyset<const T extends readonly SortKeyType[]>(types: T): CursorCodec<SortKeyValues<T>> {
  if (!types.length) throw new Error('keyset needs at least one sort key');
  const rejected = (argument: string) => badUserInput([{ path: [argument], message: 'is not a cursor returned by this list' }]);
  return {
    types,
    encode(values) {
      if (values.length !== types.length) throw new Error(`a cursor has ${types.length} values, got ${values.length}`);
      const raw = types.map((type, i) => (serialize[type] as (v: unknown) => string | number)(values[i]));
      return Buffer.from(JSON.stringify(raw)).toString('base64url');
    },
    decode(cursor, argument = 'after') {
      if (cursor === null || cursor === undefined) return null;
      if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw rejected(argument);
      let raw: unknown;
      try {
        raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw rejected(argument);
      }
      if (!Array.isArray(raw) || raw.length !== types.length) throw rejected(argument);
      const values = types.map((type, i) => parse[type](raw[i]));
      if (values.includes(invalid)) throw rejected(argument);
      return values as SortKeyValues<T>;
    },
  };
}
