import { Directive, Field, ObjectType, type ClassType } from 'type-graphql';
import { badUserInput } from './errors';

@ObjectType({ description: 'Cursor pagination state (Relay style).' })
@Directive('@shareable')
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<N> {
  cursor: string;
  node: N;
}

/** One page of a list, Relay style; what `ConnectionType` declares in GraphQL. */
export interface Connection<N> {
  edges: Edge<N>[];
  pageInfo: PageInfo;
}

/**
 * GraphQL types of a connection over `node`: `<name>Edge { cursor: String! node: <Node>! }` and
 * `<name>Connection { edges: [<name>Edge!]! pageInfo: PageInfo! }`. Call it once per node type:
 *
 *     export const PromptConnection = ConnectionType(() => Prompt, 'Prompt', { description: 'Prompts newest first.' });
 *     export type PromptConnection = Connection<Prompt>;
 */
export function ConnectionType<N extends object>(
  node: () => ClassType<N>,
  name: string,
  options: { description?: string } = {},
): ClassType<Connection<N>> {
  @ObjectType(`${name}Edge`)
  class EdgeType implements Edge<N> {
    @Field(() => String)
    cursor!: string;

    @Field(node)
    node!: N;
  }

  @ObjectType(`${name}Connection`, { description: options.description })
  class ConnectionOfNode implements Connection<N> {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionOfNode;
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

/**
 * Cut rows fetched with `limit size + 1` into a page: at most `size` edges, `hasNextPage` when the
 * extra row came back, `endCursor` the last edge's cursor (null on an empty page).
 */
export function connectionFrom<R>(rows: readonly R[], size: number, cursorOf: (row: R) => string): Connection<R> {
  const edges = rows.slice(0, size).map((row) => ({ cursor: cursorOf(row), node: row }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** The same page with every node mapped, e.g. entity → GraphQL type in `schema/map.ts`. */
export const mapConnection = <R, N>(page: Connection<R>, toNode: (row: R) => N): Connection<N> => ({
  edges: page.edges.map((e) => ({ cursor: e.cursor, node: toNode(e.node) })),
  pageInfo: page.pageInfo,
});
