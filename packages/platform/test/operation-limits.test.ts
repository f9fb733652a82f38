import { buildSchema, parse, validate } from 'graphql';
import { shapeLimitsRule, type ShapeLimits } from '../src/operation-limits';

// The shape guards the gateway and every subgraph run as a validation rule.
const schema = buildSchema(`
  type Query { me: User, plans: [Plan!]! }
  type User { id: ID!, memberships: [Membership!]! }
  type Membership { role: String!, user: User! }
  type Plan { id: ID!, key: String! }
`);
const LIMITS: ShapeLimits = { maxDepth: 5, maxAliases: 3, maxDirectives: 2 };

const refusals = (source: string, limits = LIMITS) =>
  validate(schema, parse(source), [shapeLimitsRule(limits)]).map((e) => ({
    limit: e.extensions.limit,
    max: e.extensions.max,
    code: e.extensions.code,
    message: e.message,
  }));

/** `{ me { memberships { user { … } } } }`: `pairs` times memberships/user, so depth 1 + 2 × pairs + 1. */
const nested = (pairs: number) => `{ me { ${'memberships { user { '.repeat(pairs)}id${' } }'.repeat(pairs)} } }`;

test('depth is counted in fields and refused past the limit, naming it', () => {
  expect(refusals(nested(1))).toEqual([]); // me memberships user id: 4
  expect(refusals('{ me { memberships { user { memberships { role } } } } }')).toEqual([]); // 5
  expect(refusals(nested(2))).toEqual([
    { limit: 'depth', max: 5, code: 'GRAPHQL_VALIDATION_FAILED', message: 'The operation nests fields 6 deep, more than the limit of 5.' },
  ]);
});

test('depth follows fragments, wherever they are spread and however they nest', () => {
  const viaFragments = `
    { me { ...A } }
    fragment A on User { memberships { ...B } }
    fragment B on Membership { user { memberships { user { id } } } }`;
  expect(refusals(viaFragments)).toEqual([expect.objectContaining({ limit: 'depth' })]);
  const inline = '{ me { ... on User { memberships { ... on Membership { user { memberships { user { id } } } } } } } }';
  expect(refusals(inline)).toEqual([expect.objectContaining({ limit: 'depth' })]);
});

test('a document nested 1,800 levels is refused as too deep, without overflowing the stack', () => {
  expect(refusals(nested(900))).toEqual([expect.objectContaining({ limit: 'depth', message: expect.stringContaining('1802 deep') })]);
});

test('fragment cycles and long fragment chains are measured without recursion', () => {
  // A cycle is the spec rules' to report; this rule must only terminate.
  expect(refusals('{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }')).toEqual([]);
  const chain = Array.from({ length: 20_000 }, (_, i) => `fragment F${i} on User { ${i === 19_999 ? 'id' : `...F${i + 1}`} }`).join('\n');
  expect(refusals(`{ me { ...F0 } } ${chain}`)).toEqual([]);
});

test('aliases are counted per operation, a fragment once for every place it is spread', () => {
  expect(refusals('{ a: plans { id } b: plans { id } c: plans { id } }')).toEqual([]);
  expect(refusals('{ a: plans { id } b: plans { id } c: plans { id } d: plans { id } }')).toEqual([
    expect.objectContaining({ limit: 'aliases', max: 3, message: 'The operation uses 4 aliases, more than the limit of 3.' }),
  ]);
  expect(refusals('{ ...P me { id } } fragment P on Query { a: plans { id } b: plans { key } }')).toEqual([]);
  expect(refusals('{ ...P ... on Query { ...P } } fragment P on Query { a: plans { id } b: plans { key } }')).toEqual([
    expect.objectContaining({ limit: 'aliases' }),
  ]);
});

test('directives are counted, and refused past the limit', () => {
  expect(refusals('query($y: Boolean!) { me @include(if: $y) { id @skip(if: $y) } }')).toEqual([]);
  expect(refusals('query($y: Boolean!) { me @include(if: $y) { id @skip(if: $y) __typename @skip(if: $y) } }')).toEqual([
    expect.objectContaining({ limit: 'directives', max: 2 }),
  ]);
});

test('introspection is left to graphql-js (MaxIntrospectionDepthRule): the Sandbox query is not refused for its depth', () => {
  const deepTypeRef = '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }';
  expect(refusals(deepTypeRef)).toEqual([]);
});

test('every operation of a document is checked', () => {
  expect(refusals(`query Fine { me { id } } query Deep ${nested(2)}`)).toEqual([expect.objectContaining({ limit: 'depth' })]);
});
