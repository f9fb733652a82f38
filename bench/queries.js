'use strict';
// Queries and a mutation over HTTP: the Lattice gateway against a stock @apollo/gateway reference
// (bench/lib/stock-gateway.js) on the same supergraph and the same running subgraphs, and against
// the one subgraph an operation needs called directly. Closed loop: interleaved rounds with
// autocannon. Open loop: fixed arrival rates climbed per target (bench/lib/open-loop*.js). See
// docs/bench/queries.md.
const path = require('node:path');
const { startStack, testing, platform, ROOT } = require('./lib/stack');
const { SUBGRAPHS, compareCell } = require('./lib/compare');
const { runRounds, primeTargets, checkAll, backgroundLoad } = require('./lib/rounds');
const { idleCpu } = require('./lib/load');
const { seedTenant, fixedPrincipal } = require('./lib/tenant');
const { startGenerator } = require('./lib/open-loop');
const { runRateLadder, SLO_P99_MS, STOP_P99_MS } = require('./lib/open-loop-steps');

/** The header a gateway sends a subgraph the principal in (as bench/lib/stock-gateway.js does). */
const PRINCIPAL_HEADER = 'x-lattice-principal';

/** The window Q3 reads: fixed, so the query text never changes; seeded with points in every bucket. */
const SERIES = { name: 'bench_series', from: '2026-01-01T00:00:00.000Z', bucketSeconds: 60, buckets: 60, perBucket: 2 };
const SERIES_TO = new Date(Date.parse(SERIES.from) + SERIES.buckets * SERIES.bucketSeconds * 1000).toISOString();

/**
 * The operations. `auth`: sent with the tenant's Bearer token at the Lattice gateway (the stock
 * reference and the direct target always send the fixed principal). `subgraph`: the one subgraph
 * that serves the operation, which the direct target calls (none: no direct target).
 */
const QUERIES = {
  Q1: {
    title: 'plans { name priceCents }, anonymous (billing only)',
    query: '{ plans { name priceCents } }',
    auth: false,
    subgraph: 'billing',
    check: (d) =>
      Array.isArray(d?.plans) && d.plans.length > 0 && d.plans.every((p) => typeof p.name === 'string' && Number.isInteger(p.priceCents))
        ? null
        : 'no plans with name and priceCents',
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
    title: `metricSeries over ${SERIES.buckets} buckets of ${SERIES.bucketSeconds} s (monitoring: one aggregate query)`,
    query: `{ metricSeries(name: "${SERIES.name}", from: "${SERIES.from}", to: "${SERIES_TO}", bucketSeconds: ${SERIES.bucketSeconds}) { start count avg min max } }`,
    auth: true,
    subgraph: 'monitoring',
    check: (d) => {
      const b = d?.metricSeries;
      if (!Array.isArray(b) || b.length !== SERIES.buckets) return `${b?.length} buckets, expected ${SERIES.buckets}`;
      if (!b.every((x) => x.count === SERIES.perBucket && Number.isFinite(x.avg)))
        return `a bucket without its ${SERIES.perBucket} seeded points`;
      return null;
    },
  },
  M1: {
    title: 'mutation recordMetric (monitoring: insert, publish)',
    query: 'mutation { recordMetric(input: { name: "bench_latency", value: 1 }) { name value } }',
    auth: true,
    subgraph: 'monitoring',
    check: (d) => (d?.recordMetric?.name === 'bench_latency' && d.recordMetric.value === 1 ? null : 'unexpected recordMetric result'),
  },
};

const TARGETS = ['lattice', 'stock', 'direct'];

const OPTIONS = {
  // 8, not 10: the default run (closed loop over three targets, then the open loop) stays under ~25 min.
  duration: { env: 'DURATION', default: 8, help: 'closed loop: measured seconds per run (one target, one query, one connection count)' },
  warmup: { env: 'WARMUP', default: 2, help: 'seconds of the same load, not measured, right before each run' },
  order: {
    env: 'ORDER',
    default: 'fixed',
    help: 'fixed: the measured side first in every round; alternate: first in odd rounds, second in even ones',
  },
  prime: { env: 'PRIME', default: 5, help: 'seconds of unmeasured load per target and operation before the first round (JIT warm-up)' },
  idle: { env: 'IDLE', default: 5, help: 'seconds with no load before the first run, to read what each process costs idle' },
  rounds: {
    env: 'ROUNDS',
    default: 3,
    help: 'closed loop: rounds; each runs every query × connections on Lattice, stock, then the subgraph directly',
  },
  connections: { env: 'CONNECTIONS', default: '10,50', list: true, help: 'autocannon connections, comma-separated' },
  queries: {
    env: 'QUERIES',
    default: 'Q1,Q2,Q3,M1',
    list: true,
    help: `closed loop: which operations (${Object.keys(QUERIES).join(', ')})`,
  },
  mode: { env: 'MODE', default: 'both', help: 'closed (autocannon, N connections), open (fixed arrival rates) or both' },
  rates: {
    env: 'RATES',
    default: '100,250,500,1000,1500,2000,3000',
    list: true,
    help: 'open loop: offered requests/s, climbed in ascending order',
  },
  openDuration: { env: 'OPEN_DURATION', default: 10, help: 'open loop: measured seconds per rate' },
  openWarmup: {
    env: 'OPEN_WARMUP',
    default: 1,
    help: 'open loop: seconds at the same rate right before the measured ones (connections open; not measured)',
  },
  openTargets: { env: 'OPEN_TARGETS', default: 'lattice,stock', list: true, help: `open loop: targets (${TARGETS.join(', ')})` },
  openQueries: { env: 'OPEN_QUERIES', default: 'Q1,Q2,Q3', list: true, help: 'open loop: operations' },
  openMaxConnections: {
    env: 'OPEN_MAX_CONNECTIONS',
    default: 512,
    help: 'open loop: keep-alive connections opened on demand up to this; requests beyond wait (their wait counts)',
  },
  stockFetcher: {
    env: 'STOCK_FETCHER',
    default: 'default',
    help: "the stock reference's subgraph fetcher: default (Apollo's make-fetch-happen) or node (Node's fetch)",
  },
  name: { env: 'RESULT_NAME', default: '', help: 'result file name (default: queries, with the non-default options appended)' },
  report: {
    env: 'REPORT',
    default: '',
    help: 'Markdown report path (default: docs/bench/queries.md for the default options, else bench/results/<name>.md)',
  },
};

/** The fixed principal, signed once (valid for a day): the stock reference and the direct target send it. */
async function principalToken(stack, tenant) {
  const { principal, added } = fixedPrincipal(tenant);
  const token = await platform().signPrincipal(principal, stack.internalTokenSecret, 24 * 3600);
  return { principal, added, token };
}

/** Start the stock reference next to `stack`, sending `token` on every subgraph call. */
async function startStock(stack, token, fetcher) {
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
  return { url };
}

function checkOptions(opts) {
  for (const q of [...opts.queries, ...opts.openQueries])
    if (!QUERIES[q]) throw new Error(`unknown query ${q} (known: ${Object.keys(QUERIES).join(', ')})`);
  for (const t of opts.openTargets) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t} (known: ${TARGETS.join(', ')})`);
  const connections = opts.connections.map(Number);
  if (connections.some((c) => !Number.isInteger(c) || c < 1 || c > 1000)) throw new Error('CONNECTIONS must be integers from 1 to 1000');
  const rates = opts.rates.map(Number).sort((a, b) => a - b);
  if (rates.some((r) => !Number.isFinite(r) || r <= 0 || r > 50_000)) throw new Error('RATES must be numbers from 1 to 50000');
  if (opts.rounds < 1 || opts.duration <= 0) throw new Error('ROUNDS must be at least 1 and DURATION positive');
  if (opts.openDuration <= 0) throw new Error('OPEN_DURATION must be positive');
  if (!Number.isInteger(opts.openMaxConnections) || opts.openMaxConnections < 1)
    throw new Error('OPEN_MAX_CONNECTIONS must be a positive integer');
  if (!['default', 'node'].includes(opts.stockFetcher)) throw new Error('STOCK_FETCHER must be default or node');
  if (!['fixed', 'alternate'].includes(opts.order)) throw new Error('ORDER must be fixed or alternate');
  if (!['closed', 'open', 'both'].includes(opts.mode)) throw new Error('MODE must be closed, open or both');
  return { connections, rates };
}

/** The longest the measuring can take (the open loop climbing every rate), in seconds; start-up and seeding aside. */
function worstCaseSeconds(opts, connections, rates) {
  const pairs = (keys, targets) => keys.reduce((n, k) => n + targets.filter((t) => t !== 'direct' || QUERIES[k].subgraph).length, 0);
  const closedPairs = pairs(opts.queries, TARGETS);
  const closed =
    opts.mode === 'open'
      ? 0
      : opts.prime * closedPairs + opts.rounds * connections.length * closedPairs * (opts.warmup + opts.duration + 0.5);
  const openPrime = opts.mode === 'open' ? opts.prime * pairs(opts.openQueries, opts.openTargets) : 0;
  const open =
    opts.mode === 'closed'
      ? 0
      : openPrime + pairs(opts.openQueries, opts.openTargets) * rates.length * (opts.openWarmup + opts.openDuration + 1);
  return Math.round(opts.idle + closed + open);
}

async function run(opts, log) {
  const { connections, rates } = checkOptions(opts);
  log(
    `at most ~${Math.ceil(worstCaseSeconds(opts, connections, rates) / 60)} min of measuring (if the open loop held every rate), plus start-up`,
  );

  const background = await backgroundLoad();
  log(`machine busy ${background}% of all cores before starting (others' load)`);
  const stack = await startStack({ label: 'bench-queries' });
  let generator = null;
  try {
    log(`stack up (gateway pid ${stack.pids.gateway}); seeding a tenant through the gateway`);
    const tenant = await seedTenant(stack.url, { name: 'bench', prompts: 20, metrics: 3, series: SERIES });
    const signed = await principalToken(stack, tenant);
    const stock = await startStock(stack, signed.token, opts.stockFetcher);
    log(
      `stock @apollo/gateway reference up (pid ${stack.pids.stock}, fetcher ${opts.stockFetcher})${signed.added.length ? `; principal gained ${signed.added.join(', ')}` : ''}`,
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
      {
        // The subgraph that serves the operation, called as a gateway would: the principal header.
        name: 'direct',
        url: (q) => stack.urls[q.subgraph],
        serves: (q) => !!q.subgraph,
        headers: () => ({ [PRINCIPAL_HEADER]: signed.token }),
        tenant,
        roles: { gateway: null, postgres: 'postgres:bench' },
        idle: ['gateway', 'stock'],
      },
    ];
    const pids = { gateway: stack.pids.gateway, stock: stack.pids.stock };
    for (const s of SUBGRAPHS) pids[s] = stack.pids[s];
    const pick = (keys) => Object.fromEntries(keys.map((k) => [k, QUERIES[k]]));
    const ops = pick(opts.mode === 'open' ? [] : opts.queries);
    const openOps = pick(opts.mode === 'closed' ? [] : opts.openQueries);
    const openTargets = targets.filter((t) => opts.openTargets.includes(t.name));
    const databases = { bench: new URL(stack.databaseUrl).pathname.slice(1) };
    // Every target answers every operation correctly before anything is measured.
    await checkAll(targets, { ...ops, ...openOps });
    const idle = opts.idle > 0 ? await idleCpu({ pids, databases, seconds: opts.idle }) : null;
    if (idle)
      log(
        `idle for ${opts.idle}s: ${Object.entries(idle)
          .map(([k, v]) => `${k} ${v}%`)
          .join(', ')}`,
      );

    const runs =
      opts.mode === 'open'
        ? []
        : await runRounds({
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
    if (opts.mode !== 'open')
      for (const key of opts.queries)
        for (const c of connections) {
          const mine = runs.filter((r) => r.query === key && r.connections === c);
          const cell = { query: key, connections: c, ...compareCell(mine, 'lattice', 'stock') };
          if (mine.some((r) => r.target === 'direct')) {
            const d = compareCell(mine, 'lattice', 'direct');
            cell.direct = d.direct;
            cell.ratioToDirect = d.ratio;
          }
          cells.push(cell);
        }

    let open = null;
    if (opts.mode !== 'closed') {
      // Without the closed loop before it, nothing has warmed the JIT up yet.
      if (opts.mode === 'open' && opts.prime > 0)
        await primeTargets({ targets: openTargets, ops: openOps, connections: connections[0], seconds: opts.prime, pids, log });
      generator = startGenerator();
      const ladder = await runRateLadder({
        generator,
        targets: openTargets,
        ops: openOps,
        rates,
        warmup: opts.openWarmup,
        duration: opts.openDuration,
        maxConnections: opts.openMaxConnections,
        pids,
        databases,
        log,
      });
      open = { sloP99Ms: SLO_P99_MS, stopP99Ms: STOP_P99_MS, timeoutMs: 10_000, drainMs: 2_000, checkEvery: 100, ...ladder };
    }

    return {
      queries: Object.fromEntries(
        [...new Set([...Object.keys(ops), ...Object.keys(openOps)])].map((k) => [
          k,
          { title: QUERIES[k].title, query: QUERIES[k].query, auth: QUERIES[k].auth, subgraph: QUERIES[k].subgraph ?? null },
        ]),
      ),
      tenant: { prompts: tenant.prompts, metricsSeeded: 3, series: SERIES, role: 'OWNER' },
      stock: {
        fetcher: opts.stockFetcher,
        principal: { ...signed.principal, sub: '<user id>', org: '<org id>', memberships: '[{ org, role: OWNER }]' },
        principalFieldsAdded: signed.added,
        principalTokenTtlSeconds: 24 * 3600,
      },
      direct: { header: PRINCIPAL_HEADER, principal: 'the same token as the stock reference' },
      backgroundMachineBusyPercent: background,
      idleCpuPercentOfOneCore: idle,
      cells,
      runs,
      open,
      logs: Object.fromEntries(['gateway', 'stock', ...SUBGRAPHS].map((n) => [n, stack.logProblems(n)])),
    };
  } catch (err) {
    stack.markFailed();
    throw err;
  } finally {
    await generator?.stop();
    await stack.stop();
  }
}

module.exports = { run, OPTIONS, QUERIES, SERIES };
