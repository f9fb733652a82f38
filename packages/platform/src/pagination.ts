import { Directive, Field, ObjectType } from 'type-graphql';
import { badUserInput } from './errors';
import { isId } from './validation';

@ObjectType({ description: 'Cursor pagination state (Relay style).' })
@Directive('@shareable')
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** `first` of a connection: default 20, 1..100, otherwise BAD_USER_INPUT naming `first`. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput([{ path: ['first'], message: `must be between 1 and ${MAX_PAGE_SIZE}` }]);
  }
  return first;
}

/** Keyset cursor over (createdAt, id): stable under inserts, opaque to clients. */
export interface KeysetCursor {
  createdAt: Date;
  id: string;
}

export const encodeCursor = (c: KeysetCursor): string =>
  Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString('base64url');

export function decodeCursor(cursor: string | null | undefined): KeysetCursor | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(at as string);
    const year = createdAt.getUTCFullYear();
    // Checked here, not left to PostgreSQL: a crafted cursor must be BAD_USER_INPUT, not a 500.
    if (typeof at === 'string' && isId(id) && year >= 1 && year <= 9999) return { createdAt, id };
  } catch {
    // fall through to the error below
  }
  throw badUserInput([{ path: ['after'], message: 'is not a cursor returned by this list' }]);
}

/** Cut a page fetched with one extra row into edges and pageInfo. */
export function toConnection<T extends KeysetCursor, N>(rows: T[], size: number, toNode: (row: T) => N) {
  const page = rows.slice(0, size);
  const edges = page.map((row) => ({ cursor: encodeCursor(row), node: toNode(row) }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
