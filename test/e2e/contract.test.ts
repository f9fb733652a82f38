import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSchema, findBreakingChanges, parse, printSchema } from 'graphql';
import { SUBGRAPH_TABLE, SUBGRAPHS } from '@lattice/platform/core';

const root = join(__dirname, '../..');

/** The vendored contract, and shared/'s when it sits beside the repository (CI). */
const contractFiles = [join(root, 'contract'), join(root, '../shared/contract')]
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .map((f) => join(dir, f)),
  );

function composedApiSchema() {
  const result = composeServices(
    SUBGRAPHS.map((name) => ({
      name,
      url: `http://${name}.invalid/graphql`,
      typeDefs: parse(readFileSync(join(root, SUBGRAPH_TABLE[name].dir, 'schema.graphql'), 'utf8')),
    })),
  );
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.schema.toAPISchema().toGraphQLJSSchema();
}

test('there is a contract to check', () => {
  expect(contractFiles.length).toBeGreaterThan(0);
});

test.each(contractFiles)('the composed API schema keeps the public contract %s', (file) => {
  const contract = buildSchema(readFileSync(file, 'utf8'));
  expect(findBreakingChanges(contract, composedApiSchema())).toEqual([]);
});

test('web/schema.graphql is the composed API schema', () => {
  const written = readFileSync(join(root, 'web/schema.graphql'), 'utf8');
  expect(written).toBe(printSchema(composedApiSchema()) + '\n');
});
