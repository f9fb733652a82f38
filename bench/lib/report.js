'use strict';
// Markdown reports and console summaries of the HTTP benchmarks (queries, mutation-cost), made
// from their result JSON only, so `node bench/report.js <result.json>` can make them again.
const fs = require('node:fs');
const path = require('node:path');
const { ROLES } = require('./compare');
const { num, mmm, ratio, short, minutes, table } = require('./format');
const { openLoopSection, printOpenLoopSummary } = require('./report-open-loop');

/** bench/results/mutation-cost-aa.json: the method run with the same commit on both sides. */
const AA_RESULT = path.join(__dirname, '..', 'results', 'mutation-cost-aa.json');

const ROLE_LABEL = {
  gateway: 'gateway',
  accounts: 'accounts',
  billing: 'billing',
  'ai-platform': 'ai-platform',
  monitoring: 'monitoring',
  postgres: "PostgreSQL (the backends of this stack's database)",
  redis: 'Redis (the whole server: shared with others)',
  productTotal: '**gateway + subgraphs + PostgreSQL**',
  loadGenerator: 'load generator (autocannon, benchmark process)',
};

/**
 * One cell (operation × connections): each side's figures and the ratios. `sides`: [{ key, label }]
 * (sides absent from the cell are left out); `ratios`: [{ key, label }] of ratio sets in the cell
 * (`ratio` is the first side ÷ the second).
 */
function cellTable(cell, sides, ratios) {
  const S = sides.filter((x) => cell[x.key]);
  const R = ratios.filter((x) => cell[x.key]);
  const row = (name, f, digits, rf) => [
    name,
    ...S.map((x) => mmm(f(cell[x.key]), digits)),
    ...R.map((x) => (rf === false ? '—' : rf ? ratio(rf(cell[x.key])) : '')),
  ];
  const rows = [
    row(
      'requests/s',
      (x) => x.requestsPerSecond,
      0,
      (r) => r.requestsPerSecond,
    ),
    row(
      'latency p50, ms',
      (x) => x.p50,
      2,
      (r) => r.p50,
    ),
    row(
      'latency p95, ms',
      (x) => x.p95,
      2,
      (r) => r.p95,
    ),
    row(
      'latency p97.5, ms',
      (x) => x.p97_5,
      2,
      (r) => r.p97_5,
    ),
    row(
      'latency p99, ms',
      (x) => x.p99,
      2,
      (r) => r.p99,
    ),
  ].filter((r, i) => i !== 2 || S.some((x) => cell[x.key].p95)); // p95: results from before it was recorded lack it
  for (const role of [...ROLES, 'productTotal', 'loadGenerator']) {
    const key = role === 'productTotal' ? 'productCpuMsPerRequest' : role === 'loadGenerator' ? null : `${role}CpuMsPerRequest`;
    rows.push(row(`CPU ms/request: ${ROLE_LABEL[role]}`, (x) => x.cpuMsPerRequest[role], 3, key ? (r) => r[key] : false));
  }
  rows.push(row('gateway CPU, % of one core', (x) => x.gatewayCpuPercentOfOneCore, 0));
  rows.push(row("the idle side's CPU meanwhile, % of one core", (x) => x.idleSideCpuPercentOfOneCore, 1));
  rows.push(row('machine busy, % of both cores', (x) => x.machineBusyPercent, 0));
  const errs = (x) => `${num(x.successful, 0)} / ${x.non2xx} / ${x.graphqlErrors} / ${x.socketErrors} / ${x.checksFailed}`;
  rows.push([
    'successful / non-2xx / GraphQL errors / socket errors / failed checks (all rounds)',
    ...S.map((x) => errs(cell[x.key])),
    ...R.map(() => ''),
  ]);
  return table(['', ...S.map((x) => x.label), ...R.map((x) => `${x.label}: min / **median** / max`)], rows);
}

function provenance(result, what) {
  const g = result.git;
  const m = result.machine;
  const dirty = g?.uncommittedChanges?.length
    ? `, with uncommitted changes outside bench/: ${g.uncommittedChanges.map((c) => `\`${c.trim()}\``).join(', ')}`
    : ', clean tree (bench/ aside)';
  return [
    `- ${what} commit \`${short(g?.commit)}\` ("${g?.subject ?? '?'}") of branch \`${g?.branch ?? '?'}\`${dirty}, on ${result.date.slice(0, 10)}.`,
    `- Command: \`${result.command}\` (${minutes(result.totalSeconds)}); result \`${result.resultFile ?? `bench/results/${result.benchmark}.json`}\`. Options: ${Object.entries(
      result.options,
    )
      .filter(([k]) => !['name', 'report'].includes(k))
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : v === '' ? '—' : v}`)
      .join(', ')}.`,
    `- Machine: ${m.nproc} vCPUs (${m.cpuModel}), ${Math.round(m.memoryTotalMB / 1024)} GB RAM, ${m.kernel}, Node ${m.node}. PostgreSQL and Redis run locally. The machine was ${result.backgroundMachineBusyPercent}% busy (of both cores) just before the run: other people's work shares it. **The load generator (autocannon, in the benchmark process${result.open ? '; in the open loop its own process' : ''}), the gateways, the subgraphs, PostgreSQL and Redis all share these two cores**, so every figure is for this crowded machine, not for a gateway with a core of its own.`,
  ].join('\n');
}

/** What the A/A run (same commit on both sides) says about the noise of the ratios, if there is one. */
function noiseNote() {
  let aa;
  try {
    aa = JSON.parse(fs.readFileSync(AA_RESULT, 'utf8'));
  } catch {
    return null;
  }
  const band = (f) => {
    const v = aa.cells.flatMap((c) => [f(c.ratio)?.min, f(c.ratio)?.max]).filter(Number.isFinite);
    return v.length ? `${num(Math.min(...v), 2)}–${num(Math.max(...v), 2)}` : '—';
  };
  return `- **Noise of the method.** An A/A run (\`bench/results/mutation-cost-aa.md\`: \`recordMetric\` with the same commit, \`${short(aa.git?.commit)}\`, on both sides, ${aa.options.rounds} rounds of ${aa.options.duration} s, on ${aa.date.slice(0, 10)}) gave per-round ratios of requests/s ${band((r) => r.requestsPerSecond)}, p99 ${band((r) => r.p99)}, gateway CPU per request ${band((r) => r.gatewayCpuMsPerRequest)} and all processes' CPU per request ${band((r) => r.productCpuMsPerRequest)}, where 1.00 is the truth. Differences inside those bands are not evidence on this machine; CPU per request is the steadier figure.`;
}

/** The idle CPU line: what each process costs with no load. */
function idleLine(result, labels) {
  const idle = result.idleCpuPercentOfOneCore;
  if (!idle) return '';
  const parts = Object.entries(idle)
    .filter(([k]) => !['machineBusyPercentOfAllCores', 'loadGenerator', 'postgresServer'].includes(k))
    .map(([k, v]) => `${labels[k] ?? k.replace(/^postgres:(.*)$/, 'PostgreSQL backends ($1)')} ${num(v, 1)}`);
  return `**Idle** (${result.options.idle} s with no load before the first run), % of one core: ${parts.join(', ')}; meanwhile the machine was ${num(idle.machineBusyPercentOfAllCores, 0)}% busy (both cores).`;
}

const RATIO_READING =
  "Ratios are taken per round (a run ÷ the other side's run of the same round, right next to it) and then summarized as min / **median** / max over the rounds. Requests/s below 1 means fewer requests per second than the reference; latency and CPU above 1 mean slower or more expensive. The other columns give the median over rounds with (min–max).";

const SIDES = [
  { key: 'lattice', label: 'Lattice' },
  { key: 'stock', label: 'stock' },
  { key: 'direct', label: 'direct' },
];
const RATIOS = [
  { key: 'ratio', label: 'Lattice ÷ stock' },
  { key: 'ratioToDirect', label: 'Lattice ÷ direct' },
];

function queriesReport(result) {
  const o = result.options;
  const out = [];
  const cells = result.cells ?? [];
  const hasDirect = cells.some((c) => c.direct);
  out.push('# Queries and a mutation over HTTP: the Lattice gateway against stock @apollo/gateway and the subgraph alone');
  out.push('');
  out.push(
    'What the Lattice gateway (authentication, principal tokens, limits, telemetry, the subscription layer beside it) costs per HTTP operation, measured against a stock `@apollo/gateway` that serves the same supergraph from the same running subgraphs, and against the one subgraph an operation needs called directly (no gateway at all), in a closed loop (N connections, each with one request in flight) and an open loop (fixed arrival rates, queueing included). This file is written by the benchmark (`npm run bench -- queries`); rerun it rather than edit it.',
  );
  out.push('');
  out.push(provenance(result, 'Measured on'));
  out.push(
    `- Reference: \`bench/lib/stock-gateway.js\`, \`@apollo/server\` \`startStandaloneServer\` + \`ApolloGateway\` on \`supergraph.graphql\`, subgraph URLs pointed at the same subgraph processes, a \`RemoteGraphQLDataSource\` whose \`willSendRequest\` sets \`x-lattice-principal\` to one principal token signed before the run (${result.stock.fetcher === 'node' ? "with Node's `fetch` as its fetcher" : "Apollo's default fetcher, make-fetch-happen"}). It authenticates nobody: at the stock gateway the authenticated operations run as that fixed principal (the tenant's user, OWNER of its organization), at Lattice with the user's Bearer access token. Lattice's data sources are an undici \`Pool\` per subgraph that sends identical queries in flight once per principal, and its gateway answers public queries (Q1) from its response cache (README, "Performance" and "Response cache"): the stock reference has neither, which is most of the difference on Q1 and under concurrency.`,
  );
  if (result.direct)
    out.push(
      `- Direct: the same operation text posted to the one subgraph that serves it (${Object.entries(result.queries)
        .map(([k, q]) => `${k} → ${q.subgraph ?? 'none: it needs several subgraphs'}`)
        .join(
          ', ',
        )}), with \`${result.direct.header}\` set to the stock reference's principal token: what the subgraph and PostgreSQL cost with no gateway in front.`,
    );
  if (cells.length) {
    out.push('');
    out.push('## Closed loop, summary: Lattice ÷ stock');
    out.push('');
    out.push(RATIO_READING);
    out.push('');
    out.push(
      table(
        [
          'operation',
          'connections',
          'requests/s',
          'p50',
          'p95',
          'p99',
          'gateway CPU ms/request',
          'gateway + subgraphs + PostgreSQL CPU ms/request',
          'Lattice req/s',
          'stock req/s',
        ],
        cells.map((c) => [
          c.query,
          c.connections,
          ratio(c.ratio.requestsPerSecond),
          ratio(c.ratio.p50),
          ratio(c.ratio.p95),
          ratio(c.ratio.p99),
          ratio(c.ratio.gatewayCpuMsPerRequest),
          ratio(c.ratio.productCpuMsPerRequest),
          mmm(c.lattice.requestsPerSecond, 0),
          mmm(c.stock.requestsPerSecond, 0),
        ]),
      ),
    );
    if (hasDirect) {
      out.push('');
      out.push('## Closed loop, summary: Lattice ÷ direct');
      out.push('');
      out.push(
        'The same, against the subgraph called directly. CPU: everything Lattice spends per request (gateway, subgraphs, PostgreSQL) ÷ what the subgraphs and PostgreSQL spend with no gateway; above 1 is the share the gateway adds, below 1 means Lattice answered without doing the work of the subgraph (e.g. from a response cache).',
      );
      out.push('');
      out.push(
        table(
          ['operation', 'connections', 'requests/s', 'p50', 'p95', 'p99', 'all CPU ms/request', 'Lattice req/s', 'direct req/s'],
          cells.map((c) =>
            c.direct
              ? [
                  c.query,
                  c.connections,
                  ratio(c.ratioToDirect.requestsPerSecond),
                  ratio(c.ratioToDirect.p50),
                  ratio(c.ratioToDirect.p95),
                  ratio(c.ratioToDirect.p99),
                  ratio(c.ratioToDirect.productCpuMsPerRequest),
                  mmm(c.lattice.requestsPerSecond, 0),
                  mmm(c.direct.requestsPerSecond, 0),
                ]
              : [
                  c.query,
                  c.connections,
                  'no direct target: the operation needs several subgraphs',
                  '',
                  '',
                  '',
                  '',
                  mmm(c.lattice.requestsPerSecond, 0),
                  '—',
                ],
          ),
        ),
      );
    }
    const sides = SIDES.map((x) => x.key);
    const problems = cells.reduce(
      (n, c) =>
        n + sides.filter((s) => c[s]).reduce((m, s) => m + c[s].non2xx + c[s].graphqlErrors + c[s].socketErrors + c[s].checksFailed, 0),
      0,
    );
    out.push('');
    out.push(
      problems
        ? `**${problems} requests failed** (non-2xx, GraphQL errors, socket errors or failed checks): see the per-cell tables and \`errorSamples\` in the result file. Throughput with failures is not comparable.`
        : 'Every response of every closed-loop run was HTTP 2xx without `errors`, and every fully checked response had the expected data.',
    );
  }
  const idle = idleLine(result, { gateway: 'Lattice gateway', stock: 'stock gateway' });
  if (idle) out.push('', idle);
  if (cells.length) {
    out.push('');
    out.push(
      "**Reading CPU per request.** The subgraphs and PostgreSQL do the same work for both gateways (same operation, same query plan, the same user's data), so their rows are a control: where their Lattice ÷ stock ratio departs from 1, that is how far CPU per request moves with the run's throughput and the machine's load rather than with the gateway (at fewer requests per second a process's idle cost and lost batching weigh more per request). Read the gateway's ratio against that. Latency p95 and p99 are computed from every response's duration; autocannon's own summary has p97.5 but no p95, so both are shown.",
    );
  }
  const openLines = openLoopSection(result);
  if (openLines.length) out.push('', ...openLines);
  for (const [key, q] of Object.entries(result.queries)) {
    const mine = cells.filter((x) => x.query === key);
    if (!mine.length) continue;
    out.push('');
    out.push(`## ${key}: ${q.title}`);
    out.push('');
    out.push('```graphql');
    out.push(q.query);
    out.push('```');
    out.push('');
    const direct = result.direct
      ? q.subgraph
        ? ` Direct: ${q.subgraph}, with the fixed principal.`
        : ' No direct target: the operation needs several subgraphs.'
      : '';
    out.push(
      (q.auth
        ? 'Lattice: `Authorization: Bearer <access token>`; stock: its fixed principal.'
        : 'Anonymous at both gateways (the stock reference still sends its principal token to the subgraphs).') + direct,
    );
    for (const c of mine) {
      out.push('');
      out.push(`### ${key}, ${c.connections} connections`);
      out.push('');
      out.push(cellTable(c, SIDES, RATIOS));
    }
  }
  const open = result.open;
  out.push('');
  out.push('## Method');
  out.push('');
  const steps = [
    `1. **Processes.** The four subgraphs and the Lattice gateway run as \`node <workspace>/dist/.../main.js\` (\`bench/lib/stack.js\`, as in the subscription benchmark: \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, a fresh database and Redis prefix, dropped at the end), and the stock reference as \`node bench/lib/stock-gateway.js\`, also \`NODE_ENV=production\`. All run all the time; they take turns under load.`,
    `2. **Tenant.** Through the Lattice gateway: signUp, createOrganization, switchOrganization, ${result.tenant.prompts} \`createPrompt\`s, ${result.tenant.metricsSeeded} \`recordMetric\`s${result.tenant.series ? `, and ${result.tenant.series.perBucket} points of \`${result.tenant.series.name}\` in each of the ${result.tenant.series.buckets} buckets of ${result.tenant.series.bucketSeconds} s from ${result.tenant.series.from} (what the metricSeries read returns)` : ''}. The recordMetric mutation adds a metric point per request, at every target, to the same organization.`,
  ];
  if (cells.length)
    steps.push(
      `3. **Closed loop.** First ${o.idle ?? 0} s with no load (the idle CPU above), then ${o.prime ?? 0} s of unmeasured load per target and operation (${o.connections[0]} connections), so V8 has compiled each path before round 1. Then ${o.rounds} rounds; in each, for every operation and connection count: ${o.order === 'alternate' ? 'Lattice, stock, direct in odd rounds, the reverse in even ones' : 'Lattice, stock, then direct'}. Each run: one fully checked request, ${o.warmup} s of the same load unmeasured (warm-up), ${o.duration} s measured with autocannon (programmatic API, \`POST\` with a JSON body, one request in flight per connection, a response not back after 30 s counts as a socket error), one more fully checked request.`,
      `4. **Checks.** Every closed-loop response body is checked for \`"errors"\` (autocannon's \`verifyBody\`), counted as GraphQL errors; non-2xx and socket errors come from autocannon. The fully checked requests parse the response and compare the data (plans with name and priceCents; Q2: memberships with a plan, exactly 20 prompts each with \`createdBy.email\` of the tenant's user; the metric series: every bucket with its seeded points; recordMetric: the recorded point).`,
      `5. **Figures.** Requests/s counts successful responses (2xx, no \`errors\`) over the measured window. Latency percentiles (p50, p95, p97.5, p99) are computed from every successful response's duration as autocannon measures it (sub-millisecond; autocannon's own integer-millisecond histogram summary, which has p97.5 but no p95, is in the result too). CPU is utime + stime from \`/proc/<pid>/stat\` of each process before and after the window, divided by the successful requests. PostgreSQL is the backends whose process title names the benchmark's database (the server's own background processes, such as the WAL writer, are left out; all of PostgreSQL is \`postgresServer\` in the result file, which includes other people's databases); Redis is the whole \`redis-server\` process, which other people's tests use too; the load generator is the benchmark process's own \`process.cpuUsage()\`.`,
    );
  if (open)
    steps.push(
      `${steps.length + 1}. **Open loop.** \`bench/lib/open-loop-worker.js\`, a process of its own (its CPU read from \`/proc\` like the others'): request *i* is due at t0 + i / rate; a timer writes every request that is due onto a free keep-alive connection (node:net, \`TCP_NODELAY\`, the request bytes built once), opens a new one when none is free (up to ${num(o.openMaxConnections, 0)}), and otherwise queues it until one is. Responses go through a minimal HTTP/1.1 parser (status line, Content-Length or chunked). Latency runs from the due time. Every body is scanned for \`"errors"\`; every ${open.checkEvery}th is parsed in full and its data checked as in the closed loop. A response not back ${open.timeoutMs / 1000} s after it was sent is a timeout (the connection is closed); requests still unanswered ${open.drainMs / 1000} s after the window count as unanswered, with the time they had waited as their latency. Achieved/s counts successful responses that arrived inside the measured window; CPU per request divides each process's CPU over that window by them. The step holds when p99 < ${num(open.sloP99Ms, 0)} ms and nothing failed or stayed unanswered.`,
    );
  out.push(steps.join('\n'));
  out.push('');
  out.push('## What limits these numbers');
  out.push('');
  out.push(
    [
      '- **Two cores for everything.** The load generator, both gateways, four subgraphs, PostgreSQL and Redis share two vCPUs; whichever is the bottleneck, the others take cores from it. Requests/s is a measure of *this* machine saturated; CPU ms per request is the steadier figure for what a gateway costs.',
      '- **Closed loop.** autocannon keeps N requests in flight; with more connections latency grows by queueing, not by work. Compare the sides at the same connection count only.',
      ...(open
        ? [
            '- **Open loop.** One pass over a grid of rates: the limit found is as coarse as the grid and as noisy as one run on a shared machine. The "busiest" process is the one with the most CPU; when the machine is at 100% of both cores, the limit is the machine, and the busiest process is the one that took most of it.',
          ]
        : []),
      "- **Shared machine.** Other people use the same machine (its busy share before the run is above; each run's machine busy % is in the tables). Rounds interleave the sides so slow phases hit all; the min–max ranges show how much remains.",
      '- **Loopback.** No network latency between the gateways and the subgraphs.',
      ...[noiseNote()].filter(Boolean),
      `- **The reference is not a product.** It authenticates nobody and signs no token per request; the difference to Lattice is the price of what Lattice does per request (authentication against the membership projection, principal tokens, request ids, limits, telemetry); what Lattice saves is its subgraph client (${result.stock.fetcher === 'node' ? "Node's fetch" : 'make-fetch-happen'} in the stock data sources, an undici Pool in Lattice's), identical queries in flight sent once, and public responses cached.`,
    ].join('\n'),
  );
  out.push('');
  out.push('## Rerun');
  out.push('');
  out.push('```bash');
  out.push(
    'npm run bench -- queries                                # the default run: closed loop (3 rounds × 4 operations × 10 and 50 connections × 3 targets) and open loop',
  );
  out.push(
    'DURATION=3 ROUNDS=1 WARMUP=1 PRIME=1 IDLE=0 RATES=200,400 OPEN_DURATION=3 npm run bench -- queries   # a quick look (report in bench/results/, not here)',
  );
  out.push('MODE=open OPEN_TARGETS=lattice,stock,direct OPEN_QUERIES=Q1 npm run bench -- queries   # the open loop only');
  out.push('QUERIES=Q2 CONNECTIONS=50 MODE=closed npm run bench -- queries   # one closed-loop cell');
  out.push("STOCK_FETCHER=node npm run bench -- queries             # the stock reference with Node's fetch instead of make-fetch-happen");
  out.push('node bench/report.js bench/results/queries.json         # this file again from the result');
  out.push('```');
  out.push('');
  return out.join('\n');
}

function mutationCostReport(result) {
  const o = result.options;
  const out = [];
  // Results from before M1 existed called recordMetric Q3: the query text says which it was.
  const recordMetric = /recordMetric/.test(result.operation.query ?? 'recordMetric');
  out.push(`# ${recordMetric ? 'recordMetric' : result.operation.name} throughput: the current checkout against a baseline commit`);
  out.push('');
  out.push(
    recordMetric
      ? 'What the mutation boundary (one transaction with the outbox rows and the audit record, live events after the commit) costs `recordMetric`, measured by running the same mutation through two complete stacks: one built from the baseline commit, one from the current checkout. This file is written by the benchmark (`BASELINE_REF=<sha> npm run bench -- mutation-cost`); rerun it rather than edit it.'
      : `What the changes since the baseline commit cost ${result.operation.name}, measured by running the same operation through two complete stacks: one built from the baseline commit, one from the current checkout. This file is written by the benchmark (\`BASELINE_REF=<sha> OPERATION=${result.operation.name} npm run bench -- mutation-cost\`); rerun it rather than edit it.`,
  );
  out.push('');
  out.push(provenance(result, 'Current: measured on'));
  out.push(
    `- Baseline: commit \`${short(result.baseline.commit)}\` ("${result.baseline.subject}")${result.baseline.ref && result.baseline.ref !== result.baseline.commit ? `, from \`BASELINE_REF=${result.baseline.ref}\`` : ''}, ${result.baseline.builtHere ? 'checked out into a temporary worktree, `npm ci` + `npm run build` there, removed afterwards' : `the already built checkout \`${result.baseline.dir}\``}.`,
  );
  out.push(
    `- Operation: \`${result.operation.query}\`, with the Bearer access token of a tenant's user (OWNER), through each stack's own Lattice gateway.`,
  );
  if (result.baseline.commit === result.git?.commit)
    out.push('- **Baseline and current are the same commit**: this run measures the noise of the method, not a change.');
  out.push('');
  out.push('## Summary: current ÷ baseline');
  out.push('');
  out.push(RATIO_READING);
  out.push('');
  out.push(
    '| connections | requests/s | p50 | p99 | monitoring CPU ms/request | gateway CPU ms/request | PostgreSQL CPU ms/request | gateway + subgraphs + PostgreSQL CPU ms/request | current req/s | baseline req/s |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const c of result.cells) {
    out.push(
      `| ${c.connections} | ${ratio(c.ratio.requestsPerSecond)} | ${ratio(c.ratio.p50)} | ${ratio(c.ratio.p99)} | ${ratio(c.ratio.monitoringCpuMsPerRequest)} | ${ratio(c.ratio.gatewayCpuMsPerRequest)} | ${ratio(c.ratio.postgresCpuMsPerRequest)} | ${ratio(c.ratio.productCpuMsPerRequest)} | ${mmm(c.current.requestsPerSecond, 0)} | ${mmm(c.baseline.requestsPerSecond, 0)} |`,
    );
  }
  out.push('');
  out.push(idleLine(result, {}));
  out.push('');
  if (recordMetric)
    out.push(
      "**Reading CPU per request.** The subgraphs other than monitoring have no part in `recordMetric`, so their rows are mostly idle cost spread over the requests; the monitoring, gateway and PostgreSQL rows carry the mutation. A change in requests/s moves every process's CPU per request a little by itself (idle cost and batching), so compare the monitoring and PostgreSQL ratios with the gateway's, which the boundary does not touch.",
    );
  for (const c of result.cells) {
    out.push('');
    out.push(`## ${c.connections} connections`);
    out.push('');
    out.push(
      cellTable(
        c,
        [
          { key: 'current', label: 'current' },
          { key: 'baseline', label: 'baseline' },
        ],
        [{ key: 'ratio', label: 'current ÷ baseline' }],
      ),
    );
  }
  out.push('');
  out.push('## Method');
  out.push('');
  out.push(
    [
      "1. **Two stacks**, both running for the whole benchmark, each with its own database and Redis prefix: the four subgraphs and the gateway from the baseline worktree's `dist/`, and the same from this checkout's. Both started by this checkout's `bench/lib/stack.js`.",
      '2. **Tenant**: one per stack, onboarded through its gateway (signUp, createOrganization, switchOrganization, three `recordMetric`s).',
      `3. **Rounds**: first ${o.idle ?? 0} s with no load (the idle CPU above) and ${o.prime ?? 0} s of unmeasured load per stack (JIT warm-up); then ${o.rounds} rounds; in each, for every connection count, ${o.order === 'alternate' ? 'current then baseline in odd rounds, baseline then current in even ones' : 'current then baseline'}: a fully checked request, ${o.warmup} s unmeasured warm-up, ${o.duration} s measured with autocannon, another checked request. The stack not under load stays up; its CPU meanwhile is in the tables ("the idle side").`,
      "4. **Figures**: as in `docs/bench/queries.md`: requests/s of successful responses (2xx, no `errors`), latency from every successful response, CPU from `/proc/<pid>/stat` per process divided by the successful requests. PostgreSQL is the backends of each stack's own database; Redis is the whole server, shared by both stacks and by other people.",
      "5. **Growing tables**: every request inserts a metric point (and, where the boundary exists, outbox and audit rows that the relays then ship). Rounds interleave, so both sides write about as much; the relays' and consumers' work after the response counts in the CPU of the processes that do it while the run lasts.",
    ].join('\n'),
  );
  out.push('');
  out.push('## What limits these numbers');
  out.push('');
  out.push(
    [
      "- **Two cores for everything**: the load generator, both stacks (ten Node processes), PostgreSQL and Redis, and other people's work, as in `docs/bench/queries.md`. Requests/s says how this crowded machine did; CPU per request is the steadier figure.",
      '- **Order**: with `ORDER=fixed` (the default) current runs first in every round; `ORDER=alternate` swaps the order in even rounds.',
      ...[noiseNote()].filter(Boolean),
    ].join('\n'),
  );
  out.push('');
  out.push('## Rerun');
  out.push('');
  out.push('```bash');
  out.push(
    'BASELINE_REF=<sha> npm run bench -- mutation-cost                 # builds <sha> in a temporary worktree, removes it afterwards',
  );
  out.push('BASELINE_DIR=/path/to/built/checkout npm run bench -- mutation-cost  # an already built checkout instead (kept)');
  out.push('node bench/report.js bench/results/mutation-cost.json             # this file again from the result');
  out.push('```');
  out.push('');
  return out.join('\n');
}

function printCells(result, a, b) {
  for (const c of result.cells) {
    const A = c[a];
    const B = c[b];
    console.log(
      `  ${c.query ?? 'recordMetric'} c=${c.connections}: req/s ${a} ${mmm(A.requestsPerSecond, 0)} ${b} ${mmm(B.requestsPerSecond, 0)} ratio ${ratio(c.ratio.requestsPerSecond).replace(/\*/g, '')}; ` +
        `p99 ${mmm(A.p99, 2)} vs ${mmm(B.p99, 2)} ms; gateway CPU ${mmm(A.cpuMsPerRequest.gateway, 3)} vs ${mmm(B.cpuMsPerRequest.gateway, 3)} ms/req; ` +
        `failures ${A.non2xx + A.graphqlErrors + A.socketErrors + A.checksFailed} / ${B.non2xx + B.graphqlErrors + B.socketErrors + B.checksFailed}` +
        (c.direct
          ? `; direct req/s ${mmm(c.direct.requestsPerSecond, 0)}, Lattice ÷ direct ${ratio(c.ratioToDirect.requestsPerSecond).replace(/\*/g, '')}`
          : ''),
    );
  }
}

module.exports = {
  queriesReport,
  mutationCostReport,
  printQueriesSummary: (r) => {
    printCells(r, 'lattice', 'stock');
    printOpenLoopSummary(r);
  },
  printMutationCostSummary: (r) => printCells(r, 'current', 'baseline'),
};
