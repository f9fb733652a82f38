#!/usr/bin/env node
// `npm start`: checks PostgreSQL and Redis once, then runs the four subgraphs, the gateway and
// the web dev server side by side (each subgraph creates and migrates its schema on start),
// supervised: a service that crashes is restarted with backoff and the others keep running;
// SIGTERM or Ctrl-C stops them all.
const { join } = require('node:path');
const { supervise } = require('./supervise');
const {
  checkDependencies,
  loadConfig,
  loadKeyPair,
  GATEWAY_NODE_FLAGS,
  SUBGRAPHS,
  SUBGRAPH_TABLE,
} = require('../packages/platform/dist/core');

const root = join(__dirname, '..');
const COLORS = ['blue', 'green', 'magenta', 'yellow', 'red', 'gray'];
const SERVICES = [
  ...SUBGRAPHS.map((name, i) => [name, `${SUBGRAPH_TABLE[name].dir}/dist/src/main.js`, COLORS[i % COLORS.length], []]),
  ['gateway', 'gateway/dist/main.js', 'cyan', GATEWAY_NODE_FLAGS],
];

async function main() {
  // Outside production this also creates .lattice/internal-token-secret when missing, before any
  // service starts, so the gateway and the subgraphs share one secret (as with the key pair below).
  const config = loadConfig();
  const problems = await checkDependencies(config);
  if (problems.length) {
    for (const p of problems) console.error(`✖ ${p}`);
    process.exit(1);
  }
  await loadKeyPair(config); // made once here, so accounts and the gateway read the same pair
  const services = SERVICES.map(([name, file, color, flags]) => ({ name, command: process.execPath, args: [...flags, file], color }));
  if (process.env.START_WEB !== 'false') services.push({ name: 'web', command: 'npm', args: ['run', 'dev', '-w', 'web'], color: 'white' });
  supervise(services, { cwd: root });
  console.log(
    `\nLattice: gateway http://localhost:${config.GATEWAY_PORT}/graphql · console http://localhost:${process.env.WEB_PORT ?? 5173}\n`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
