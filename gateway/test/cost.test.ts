import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { operationCost } from '../src/pipeline/cost';

// The cost the gateway's cost limit compares, on the API schema clients see.
const schema = buildSchema(readFileSync(join(__dirname, '../../web/schema.graphql'), 'utf8'));
const cost = (source: string, variables: Record<string, unknown> = {}, defaultListSize = 10) => {
  const document = parse(source);
  return operationCost(schema, document, getOperationAST(document)!, variables, { defaultListSize });
};

test('every field counts once per parent object; a list without `first` counts as the default list size', () => {
  expect(cost('{ me { id email } }')).toBe(3);
  // plans 1 + 10 plans × (id 1 + limits 1 + 10 limits × feature 1)
  expect(cost('{ plans { id limits { feature } } }')).toBe(1 + 10 * (2 + 10));
  expect(cost('{ plans { id limits { feature } } }', {}, 3)).toBe(1 + 3 * (2 + 3));
});

test('nested lists multiply: the deep membership query costs what it would fetch', () => {
  const three = '{ me { memberships { user { memberships { user { memberships { role } } } } } } }';
  expect(cost(three)).toBe(2 + 10 * (2 + 10 * (2 + 10 * 1)));
});

test('`first` sizes a list, as a literal or a variable, and a connection sizes the lists right under it', () => {
  const page = (first: string) => `query($n: Int = 7) { prompts(first: ${first}) { edges { node { id } } pageInfo { hasNextPage } } }`;
  // prompts 1 + edges 1 + n × (node 1 + id 1) + pageInfo 1 + hasNextPage 1
  expect(cost(page('100'))).toBe(4 + 100 * 2);
  expect(cost(page('$n'), { n: 50 })).toBe(4 + 50 * 2);
  expect(cost(page('$n'))).toBe(4 + 7 * 2); // the variable's default
  expect(cost('query($n: Int) { prompts(first: $n) { edges { node { id } } } }')).toBe(2 + 10 * 2); // unknown: the default size
  // Inside the edges, a list without its own `first` is the default size again.
  expect(cost('{ prompts(first: 2) { edges { node { createdBy { memberships { role } } } } } }')).toBe(2 + 2 * (2 + 1 + 10));
});

test('fragments cost what they select where they are spread, page size included', () => {
  const viaFragment = `query($n: Int!) { prompts(first: $n) { ...Page } } fragment Page on PromptConnection { edges { node { id } } }`;
  expect(cost(viaFragment, { n: 100 })).toBe(2 + 100 * 2);
  expect(cost(viaFragment, { n: 3 })).toBe(2 + 3 * 2);
  const twice = '{ plans { ...P } } fragment P on Plan { id ... on Plan { key } }';
  expect(cost(twice)).toBe(1 + 10 * 2);
});

test('introspection costs nothing here: graphql-js bounds its depth', () => {
  expect(cost('{ __schema { types { fields { name } } } }')).toBe(0);
});
