'use strict';
// Markdown reports and console summaries of the HTTP benchmarks (queries, mutation-cost), made
// from their result JSON only, so `node bench/report.js <result.json>` can make them again.
const fs = require('node:fs');
const path = require('node:path');
const { ROLES } = require('./compare');

/** bench/results/mutation-cost-aa.json: the method run with the same commit on both sides. */
const AA_RESULT = path.join(__dirname, '..', 'results', 'mutation-cost-aa.json');

const num = (v, digits) =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '—'
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** "median (min–max)" of a spread. */
const mmm = (s, digits) =>
  s?.median === null || s?.median === undefined
    ? '—'
    : s.n > 1
      ? `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`
      : num(s.median, digits);
/** "min / median / max" of a ratio spread. */
const ratio = (s) =>
  s?.median === null || s?.median === undefined
    ? '—'
    : s.n > 1
      ? `${num(s.min, 2)} / **${num(s.median, 2)}** / ${num(s.max, 2)}`
      : `**${num(s.median, 2)}**`;
const short = (sha) => (sha ? sha.slice(0, 7) : 'unknown');
const minutes = (s) => (s >= 90 ? `${Math.round(s / 60)} min` : `${s} s`);

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

/** One cell (operation × connections): side a, side b, a ÷ b. */
function cellTable(cell, a, b, labelA, labelB) {
  const A = cell[a];
  const B = cell[b];
  const r = cell.ratio;
  const rows = [
    [`requests/s`, mmm(A.requestsPerSecond, 0), mmm(B.requestsPerSecond, 0), ratio(r.requestsPerSecond)],
    [`latency p50, ms`, mmm(A.p50, 2), mmm(B.p50, 2), ratio(r.p50)],
    [`latency p97.5, ms`, mmm(A.p97_5, 2), mmm(B.p97_5, 2), ratio(r.p97_5)],
    [`latency p99, ms`, mmm(A.p99, 2), mmm(B.p99, 2), ratio(r.p99)],
  ];
  for (const role of [...ROLES, 'productTotal', 'loadGenerator']) {
    const rr = role === 'productTotal' ? r.productCpuMsPerRequest : role === 'loadGenerator' ? null : r[`${role}CpuMsPerRequest`];
    rows.push([
      `CPU ms/request: ${ROLE_LABEL[role]}`,
      mmm(A.cpuMsPerRequest[role], 3),
      mmm(B.cpuMsPerRequest[role], 3),
      rr ? ratio(rr) : '—',
    ]);
  }
  rows.push([`gateway CPU, % of one core`, mmm(A.gatewayCpuPercentOfOneCore, 0), mmm(B.gatewayCpuPercentOfOneCore, 0), '']);
  rows.push([
    `the idle side's CPU meanwhile, % of one core`,
    mmm(A.idleSideCpuPercentOfOneCore, 1),
    mmm(B.idleSideCpuPercentOfOneCore, 1),
    '',
  ]);
  rows.push([`machine busy, % of both cores`, mmm(A.machineBusyPercent, 0), mmm(B.machineBusyPercent, 0), '']);
  const errs = (x) => `${num(x.successful, 0)} / ${x.non2xx} / ${x.graphqlErrors} / ${x.socketErrors} / ${x.checksFailed}`;
  rows.push([`successful / non-2xx / GraphQL errors / socket errors / failed checks (all rounds)`, errs(A), errs(B), '']);
  return [
    `| | ${labelA} | ${labelB} | ${labelA} ÷ ${labelB}: min / **median** / max |`,
    '| --- | --- | --- | --- |',
    ...rows.map((x) => `| ${x.join(' | ')} |`),
  ].join('\n');
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
      .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : v || '—'}`)
      .join(', ')}.`,
    `- Machine: ${m.nproc} vCPUs (${m.cpuModel}), ${Math.round(m.memoryTotalMB / 1024)} GB RAM, ${m.kernel}, Node ${m.node}. PostgreSQL and Redis run locally. The machine was ${result.backgroundMachineBusyPercent}% busy (of both cores) just before the run: other people's work shares it. **The load generator (autocannon, in the benchmark process), the gateways, the subgraphs, PostgreSQL and Redis all share these two cores**, so every figure is for this crowded machine, not for a gateway with a core of its own.`,
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

function queriesReport(result) {
  const o = result.options;
  const out = [];
  out.push('# Queries and a mutation over HTTP: the Lattice gateway against stock @apollo/gateway');
  out.push('');
  out.push(
    'What the Lattice gateway (authentication, principal tokens, limits, telemetry, the subscription layer beside it) costs per HTTP operation, measured against a stock `@apollo/gateway` that serves the same supergraph from the same running subgraphs. This file is written by the benchmark (`npm run bench -- queries`); rerun it rather than edit it.',
  );
  out.push('');
  out.push(provenance(result, 'Measured on'));
  out.push(
    `- Reference: \`bench/lib/stock-gateway.js\`, \`@apollo/server\` \`startStandaloneServer\` + \`ApolloGateway\` on \`supergraph.graphql\`, subgraph URLs pointed at the same subgraph processes, a \`RemoteGraphQLDataSource\` whose \`willSendRequest\` sets \`x-lattice-principal\` to one principal token signed before the run (${result.stock.fetcher === 'node' ? "with Node's `fetch` as its fetcher, like Lattice" : "Apollo's default fetcher, make-fetch-happen; Lattice's data sources use Node's `fetch`"}). It authenticates nobody: at the stock gateway Q2 and Q3 run as that fixed principal (the tenant's user, OWNER of its organization), at Lattice with the user's Bearer access token.`,
  );
  out.push('');
  out.push('## Summary: Lattice ÷ stock');
  out.push('');
  out.push(RATIO_READING);
  out.push('');
  out.push(
    '| operation | connections | requests/s | p50 | p99 | gateway CPU ms/request | gateway + subgraphs + PostgreSQL CPU ms/request | Lattice req/s | stock req/s |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const c of result.cells) {
    out.push(
      `| ${c.query} | ${c.connections} | ${ratio(c.ratio.requestsPerSecond)} | ${ratio(c.ratio.p50)} | ${ratio(c.ratio.p99)} | ${ratio(c.ratio.gatewayCpuMsPerRequest)} | ${ratio(c.ratio.productCpuMsPerRequest)} | ${mmm(c.lattice.requestsPerSecond, 0)} | ${mmm(c.stock.requestsPerSecond, 0)} |`,
    );
  }
  const problems = result.cells.reduce(
    (n, c) => n + ['lattice', 'stock'].reduce((m, s) => m + c[s].non2xx + c[s].graphqlErrors + c[s].socketErrors + c[s].checksFailed, 0),
    0,
  );
  out.push('');
  out.push(
    problems
      ? `**${problems} requests failed** (non-2xx, GraphQL errors, socket errors or failed checks): see the per-cell tables and \`errorSamples\` in the result file. Throughput with failures is not comparable.`
      : 'Every response of every run was HTTP 2xx without `errors`, and every fully checked response had the expected data.',
  );
  out.push('');
  out.push(idleLine(result, { gateway: 'Lattice gateway', stock: 'stock gateway' }));
  out.push('');
  out.push(
    "**Reading CPU per request.** The subgraphs and PostgreSQL do the same work for both gateways (same operation, same query plan, the same user's data), so their rows are a control: where their Lattice ÷ stock ratio departs from 1, that is how far CPU per request moves with the run's throughput and the machine's load rather than with the gateway (at fewer requests per second a process's idle cost and lost batching weigh more per request). Read the gateway's ratio against that.",
  );
  for (const [key, q] of Object.entries(result.queries)) {
    out.push('');
    out.push(`## ${key}: ${q.title}`);
    out.push('');
    out.push('```graphql');
    out.push(q.query);
    out.push('```');
    out.push('');
    out.push(
      q.auth
        ? 'Lattice: `Authorization: Bearer <access token>`; stock: its fixed principal.'
        : 'Anonymous at both (the stock reference still sends its principal token to the subgraphs).',
    );
    for (const c of result.cells.filter((x) => x.query === key)) {
      out.push('');
      out.push(`### ${key}, ${c.connections} connections`);
      out.push('');
      out.push(cellTable(c, 'lattice', 'stock', 'Lattice', 'stock'));
    }
  }
  out.push('');
  out.push('## Method');
  out.push('');
  out.push(
    [
      `1. **Processes.** The four subgraphs and the Lattice gateway run as \`node <workspace>/dist/.../main.js\` (\`bench/lib/stack.js\`, as in the subscription benchmark: \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, a fresh database and Redis prefix, dropped at the end), and the stock reference as \`node bench/lib/stock-gateway.js\`, also \`NODE_ENV=production\`. Both gateways run all the time; they take turns under load.`,
      `2. **Tenant.** Through the Lattice gateway: signUp, createOrganization, switchOrganization, ${result.tenant.prompts} \`createPrompt\`s, ${result.tenant.metricsSeeded} \`recordMetric\`s. Q3 adds a metric point per request, at both gateways, to the same organization.`,
      `3. **Rounds.** First ${o.idle ?? 0} s with no load (the idle CPU above), then ${o.prime ?? 0} s of unmeasured load per gateway and operation (${o.connections[0]} connections), so V8 has compiled each path before round 1. Then ${o.rounds} rounds; in each, for every operation and connection count: ${o.order === 'alternate' ? 'Lattice then stock in odd rounds, stock then Lattice in even ones' : 'Lattice, then stock'}. Each run: one fully checked request, ${o.warmup} s of the same load unmeasured (warm-up), ${o.duration} s measured with autocannon (programmatic API, \`POST\` with a JSON body, one request in flight per connection, a response not back after 30 s counts as a socket error), one more fully checked request.`,
      `4. **Checks.** Every response body is checked for \`"errors"\` (autocannon's \`verifyBody\`), counted as GraphQL errors; non-2xx and socket errors come from autocannon. The fully checked requests parse the response and compare the data (plans present; Q2: memberships with a plan, exactly 20 prompts each with \`createdBy.email\` of the tenant's user; Q3: the recorded point).`,
      `5. **Figures.** Requests/s counts successful responses (2xx, no \`errors\`) over the measured window. Latency percentiles are computed from every successful response's duration as autocannon measures it (sub-millisecond; autocannon's own integer-millisecond histogram is in the result too). CPU is utime + stime from \`/proc/<pid>/stat\` of each process before and after the window, divided by the successful requests. PostgreSQL is the backends whose process title names the benchmark's database (the server's own background processes, such as the WAL writer, are left out; all of PostgreSQL is \`postgresServer\` in the result file, which includes other people's databases); Redis is the whole \`redis-server\` process, which other people's tests use too; the load generator is the benchmark process's own \`process.cpuUsage()\`.`,
    ].join('\n'),
  );
  out.push('');
  out.push('## What limits these numbers');
  out.push('');
  out.push(
    [
      '- **Two cores for everything.** The load generator, both gateways, four subgraphs, PostgreSQL and Redis share two vCPUs; whichever is the bottleneck, the others take cores from it. Requests/s is a measure of *this* machine saturated; CPU ms per request is the steadier figure for what a gateway costs.',
      '- **Closed loop.** autocannon keeps N requests in flight; with more connections latency grows by queueing, not by work. Compare the two sides at the same connection count only.',
      "- **Shared machine.** Other people use the same machine (its busy share before the run is above; each run's machine busy % is in the tables). Rounds interleave the two sides so slow phases hit both; the min–max ranges show how much remains.",
      '- **Loopback.** No network latency between the gateways and the subgraphs.',
      ...[noiseNote()].filter(Boolean),
      `- **The reference is not a product.** It authenticates nobody and signs no token per request; the difference to Lattice is the price of what Lattice does per request (authentication against the membership projection, principal tokens, request ids, limits, telemetry)${result.stock.fetcher === 'node' ? '' : ", plus the fetcher difference (make-fetch-happen in the stock data sources, Node's fetch in Lattice's)"}.`,
    ].join('\n'),
  );
  out.push('');
  out.push('## Rerun');
  out.push('');
  out.push('```bash');
  out.push(
    'npm run bench -- queries                                # the default run: 3 rounds × 3 operations × 10 and 50 connections × 2 gateways, 10 s each',
  );
  out.push('DURATION=3 ROUNDS=1 WARMUP=1 npm run bench -- queries   # a quick look (report in bench/results/, not here)');
  out.push('QUERIES=Q2 CONNECTIONS=50 npm run bench -- queries      # one cell');
  out.push("STOCK_FETCHER=node npm run bench -- queries             # the stock reference with Node's fetch, as Lattice");
  out.push('node bench/report.js bench/results/queries.json         # this file again from the result');
  out.push('```');
  out.push('');
  return out.join('\n');
}

function mutationCostReport(result) {
  const o = result.options;
  const out = [];
  const recordMetric = (result.operation.name ?? 'Q3') === 'Q3';
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
    out.push(cellTable(c, 'current', 'baseline', 'current', 'baseline'));
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
        `failures ${A.non2xx + A.graphqlErrors + A.socketErrors + A.checksFailed} / ${B.non2xx + B.graphqlErrors + B.socketErrors + B.checksFailed}`,
    );
  }
}

module.exports = {
  queriesReport,
  mutationCostReport,
  printQueriesSummary: (r) => printCells(r, 'lattice', 'stock'),
  printMutationCostSummary: (r) => printCells(r, 'current', 'baseline'),
};
