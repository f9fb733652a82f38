#!/usr/bin/env node
// Emits every subgraph's SDL (subgraphs/*/schema.graphql), composes the supergraph with
// @apollo/composition (supergraph.graphql) and writes the API schema partners and the web
// console see (web/schema.graphql). Runs on the built output: `npm run compose` builds first.
const { writeFileSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { composeServices } = require('@apollo/composition');
const { printSubgraphSchema } = require('@apollo/subgraph');
const { parse, printSchema } = require('graphql');

const root = join(__dirname, '..');
const { SUBGRAPHS, SUBGRAPH_TABLE } = require('../packages/platform/dist/core');

const writeIfChanged = (file, text) => {
  const path = join(root, file);
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
  console.log(`wrote ${file}`);
};

async function main() {
  const services = [];
  for (const name of SUBGRAPHS) {
    const { dir, port } = SUBGRAPH_TABLE[name];
    const { buildSchema } = require(join(root, dir, 'dist/src/server.js'));
    const sdl = printSubgraphSchema(await buildSchema()).trim() + '\n';
    writeIfChanged(`${dir}/schema.graphql`, sdl);
    // The default local URLs; ACCOUNTS_URL … override them at run time.
    services.push({ name, url: `http://127.0.0.1:${port}/graphql`, typeDefs: parse(sdl) });
  }
  const result = composeServices(services);
  if (result.errors) {
    for (const e of result.errors) console.error(`composition error: ${e.message}`);
    process.exit(1);
  }
  writeIfChanged('supergraph.graphql', result.supergraphSdl.trim() + '\n');
  const api = result.schema.toAPISchema().toGraphQLJSSchema();
  writeIfChanged('web/schema.graphql', printSchema(api) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
