'use strict';
// Queries and a mutation over HTTP: the Lattice gateway against a stock @apollo/gateway reference
// (bench/lib/stock-gateway.js) on the same supergraph and the same running subgraphs, measured
// in interleaved rounds with autocannon. See docs/bench/queries.md.
const path = require('node:path');
const { startStack, testing, platform, ROOT } = require('./lib/stack');
const { SUBGRAPHS, compareCell } = require('./lib/compare');
const { runRounds, checkAll, backgroundLoad } = require('./lib/rounds');
const { idleCpu } = require('./lib/load');
const { seedTenant, fixedPrincipal } = require('./lib/tenant');

/** The operations. `auth`: sent with the tenant's Bearer token at the Lattice gateway (the stock reference always sends its fixed principal). */
const QUERIES = {
  Q1: {
    title: 'plans { name }, anonymous (billing only)',
    query: '{ plans { name } }',
    auth: false,
    check: (d) => (Array.isArray(d?.plans) && d.plans.length > 0 && d.plans.every((p) => typeof p.name === 'string') ? null : 'no plans'),
  },
  Q2: {
    title:
      'me → memberships → organization → subscription → plan, and 20 prompts with createdBy { email } (accounts, billing, ai-platform)',
    query:
      '{ me { memberships { organization { subscription { plan { name } } } } } prompts(first: 20) { edges { node { name createdBy { email } } } } }',
    auth: true,
    check: (d, tenant) => {
      const ms = d?.me?.memberships;
      if (!Array.isArray(ms) || !ms.length) return 'no memberships';
      if (!ms.every((m) => typeof m.organization?.subscription?.plan?.name === 'string')) return 'a membership without its plan';
      const edges = d.prompts?.edges;
      if (!Array.isArray(edges) || edges.length !== Math.min(20, tenant.prompts))
        return `${edges?.length} prompts, expected ${Math.min(20, tenant.prompts)}`;
      if (!edges.every((e) => e.node?.createdBy?.email === tenant.email)) return 'a prompt without createdBy.email';
      return null;
    },
  },
  Q3: {
    title: 'mutation recordMetric (monitoring: insert, publish)',
    query: 'mutation { recordMetric(input: { name: "bench_latency", value: 1 }) { name value } }',
    auth: true,
    check: (d) => (d?.recordMetric?.name === 'bench_latency' && d.recordMetric.value === 1 ? null : 'unexpected recordMetric result'),
  },
};

const OPTIONS = {
  duration: { env: 'DURATION', default: 10, help: 'measured seconds per run (one target, one query, one connection count)' },
  warmup: { env: 'WARMUP', default: 2, help: 'seconds of the same load, not measured, right before each run' },
  order: {
    env: 'ORDER',
    default: 'fixed',
    help: 'fixed: the measured side first in every round; alternate: first in odd rounds, second in even ones',
  },
  prime: { env: 'PRIME', default: 5, help: 'seconds of unmeasured load per target and operation before the first round (JIT warm-up)' },
  idle: { env: 'IDLE', default: 5, help: 'seconds with no load before the first run, to read what each process costs idle' },
  rounds: { env: 'ROUNDS', default: 3, help: 'rounds; each runs every query × connections on Lattice, then on stock' },
  connections: { env: 'CONNECTIONS', default: '10,50', list: true, help: 'autocannon connections, comma-separated' },
  queries: { env: 'QUERIES', default: 'Q1,Q2,Q3', list: true, help: `which operations (${Object.keys(QUERIES).join(', ')})` },
  stockFetcher: {
    env: 'STOCK_FETCHER',
    default: 'default',
    help: "the stock reference's subgraph fetcher: default (Apollo's make-fetch-happen) or node (Node's fetch, as Lattice)",
  },
  name: { env: 'RESULT_NAME', default: '', help: 'result file name (default: queries, with the non-default options appended)' },
  report: {
    env: 'REPORT',
    default: '',
    help: 'Markdown report path (default: docs/bench/queries.md for the default options, else bench/results/<name>.md)',
  },
};

/** Start the stock reference next to `stack`, its principal signed once (valid for a day). */
async function startStock(stack, tenant, fetcher) {
  const { principal, added } = fixedPrincipal(tenant);
  const token = await platform().signPrincipal(principal, stack.internalTokenSecret, 24 * 3600);
  const port = await testing().freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const probe = async (u) => {
    const res = await fetch(u, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
      signal: AbortSignal.timeout(2000),
    });
    return res.ok;
  };
  await stack.spawnExtra(
    'stock',
    path.join(__dirname, 'lib', 'stock-gateway.js'),
    {
      STOCK_PORT: String(port),
      STOCK_SUPERGRAPH: path.join(ROOT, 'supergraph.graphql'),
      STOCK_PRINCIPAL_TOKEN: token,
      STOCK_FETCHER: fetcher,
    },
    url,
    probe,
  );
  return { url, principal, added };
}

async function run(opts, log) {
  for (const q of opts.queries) if (!QUERIES[q]) throw new Error(`unknown query ${q} (known: ${Object.keys(QUERIES).join(', ')})`);
  const connections = opts.connections.map(Number);
  if (connections.some((c) => !Number.isInteger(c) || c < 1 || c > 1000)) throw new Error('CONNECTIONS must be integers from 1 to 1000');
  if (opts.rounds < 1 || opts.duration <= 0) throw new Error('ROUNDS must be at least 1 and DURATION positive');
  if (!['default', 'node'].includes(opts.stockFetcher)) throw new Error('STOCK_FETCHER must be default or node');
  if (!['fixed', 'alternate'].includes(opts.order)) throw new Error('ORDER must be fixed or alternate');

  const background = await backgroundLoad();
  log(`machine busy ${background}% of all cores before starting (others' load)`);
  const stack = await startStack({ label: 'bench-queries' });
  try {
    log(`stack up (gateway pid ${stack.pids.gateway}); seeding a tenant through the gateway`);
    const tenant = await seedTenant(stack.url, { name: 'bench', prompts: 20, metrics: 3 });
    const stock = await startStock(stack, tenant, opts.stockFetcher);
    log(
      `stock @apollo/gateway reference up (pid ${stack.pids.stock}, fetcher ${opts.stockFetcher})${stock.added.length ? `; principal gained ${stock.added.join(', ')}` : ''}`,
    );

    const targets = [
      {
        name: 'lattice',
        url: stack.url,
        headers: (q) => (q.auth ? testing().bearer(tenant.accessToken) : {}),
        tenant,
        roles: { gateway: 'gateway', postgres: 'postgres:bench' },
        idle: ['stock'],
      },
      {
        name: 'stock',
        url: stock.url,
        headers: () => ({}),
        tenant,
        roles: { gateway: 'stock', postgres: 'postgres:bench' },
        idle: ['gateway'],
      },
    ];
    const pids = { gateway: stack.pids.gateway, stock: stack.pids.stock };
    for (const s of SUBGRAPHS) pids[s] = stack.pids[s];
    const ops = Object.fromEntries(opts.queries.map((k) => [k, QUERIES[k]]));
    const databases = { bench: new URL(stack.databaseUrl).pathname.slice(1) };
    // Every target answers every operation correctly before anything is measured.
    await checkAll(targets, ops);
    const idle = opts.idle > 0 ? await idleCpu({ pids, databases, seconds: opts.idle }) : null;
    if (idle)
      log(
        `idle for ${opts.idle}s: ${Object.entries(idle)
          .map(([k, v]) => `${k} ${v}%`)
          .join(', ')}`,
      );
    const runs = await runRounds({
      targets,
      ops,
      connections,
      rounds: opts.rounds,
      duration: opts.duration,
      warmup: opts.warmup,
      prime: opts.prime,
      order: opts.order,
      pids,
      databases,
      log,
    });

    const cells = [];
    for (const key of opts.queries)
      for (const c of connections)
        cells.push({
          query: key,
          connections: c,
          ...compareCell(
            runs.filter((r) => r.query === key && r.connections === c),
            'lattice',
            'stock',
          ),
        });
    return {
      queries: Object.fromEntries(
        opts.queries.map((k) => [k, { title: QUERIES[k].title, query: QUERIES[k].query, auth: QUERIES[k].auth }]),
      ),
      tenant: { prompts: tenant.prompts, metricsSeeded: 3, role: 'OWNER' },
      stock: {
        fetcher: opts.stockFetcher,
        principal: { ...stock.principal, sub: '<user id>', org: '<org id>', memberships: '[{ org, role: OWNER }]' },
        principalFieldsAdded: stock.added,
        principalTokenTtlSeconds: 24 * 3600,
      },
      backgroundMachineBusyPercent: background,
      idleCpuPercentOfOneCore: idle,
      cells,
      runs,
      logs: Object.fromEntries(['gateway', 'stock', ...SUBGRAPHS].map((n) => [n, stack.logProblems(n)])),
    };
  } catch (err) {
    stack.markFailed();
    throw err;
  } finally {
    await stack.stop();
  }
}

module.exports = { run, OPTIONS, QUERIES };
