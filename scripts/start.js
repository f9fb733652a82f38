#!/usr/bin/env node
// `npm start`: checks PostgreSQL and Redis once, then runs the four subgraphs, the gateway and
// the web dev server side by side (each subgraph creates and migrates its schema on start).
const { join } = require('node:path');
const { concurrently } = require('concurrently');
const { checkDependencies, loadConfig, loadKeyPair, SUBGRAPHS, SUBGRAPH_TABLE } = require('../packages/platform/dist/core');

const root = join(__dirname, '..');
const COLORS = ['blue', 'green', 'magenta', 'yellow', 'red', 'gray'];
const SERVICES = [
  ...SUBGRAPHS.map((name, i) => [name, `${SUBGRAPH_TABLE[name].dir}/dist/src/main.js`, COLORS[i % COLORS.length]]),
  ['gateway', 'gateway/dist/main.js', 'cyan'],
];

async function main() {
  const config = loadConfig();
  const problems = await checkDependencies(config);
  if (problems.length) {
    for (const p of problems) console.error(`✖ ${p}`);
    process.exit(1);
  }
  await loadKeyPair(config); // made once here, so accounts and the gateway read the same pair
  const commands = SERVICES.map(([name, file, prefixColor]) => ({ name, command: `node ${file}`, prefixColor }));
  if (process.env.START_WEB !== 'false') commands.push({ name: 'web', command: 'npm run dev -w web', prefixColor: 'white' });
  const { result } = concurrently(commands, { cwd: root, killOthersOn: ['failure'], prefix: 'name', restartTries: 0 });
  console.log(`\nLattice: gateway http://localhost:${config.GATEWAY_PORT}/graphql · console http://localhost:${process.env.WEB_PORT ?? 5173}\n`);
  await result.catch(() => process.exit(1));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
