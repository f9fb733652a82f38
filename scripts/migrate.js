#!/usr/bin/env node
// `npm run migrate`: create the database if missing and apply every subgraph's migrations.
const { join } = require('node:path');
const { loadConfig, migrateSubgraph, SUBGRAPHS, SUBGRAPH_TABLE } = require('../packages/platform/dist');

async function main() {
  const config = loadConfig();
  for (const name of SUBGRAPHS) {
    const { definition } = require(join(__dirname, '..', SUBGRAPH_TABLE[name].dir, 'dist/src/server.js'));
    await migrateSubgraph(definition, config);
    console.log(`${name}: migrated`);
  }
}

main().catch((err) => {
  console.error(err.message ?? err);
  process.exit(1);
});
