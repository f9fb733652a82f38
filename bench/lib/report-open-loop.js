'use strict';
// The open-loop part of the queries report (fixed arrival rates, bench/lib/open-loop-steps.js),
// from the result JSON only.
const { num, table } = require('./format');

const TARGET_LABEL = { lattice: 'Lattice', stock: 'stock', direct: 'direct (subgraph)' };
const PROCESS_LABEL = { gateway: 'gateway', postgres: 'PostgreSQL', loadGenerator: 'generator' };
const label = (p) => PROCESS_LABEL[p] ?? p;

/** "gateway 96, billing 41, PostgreSQL 12, generator 6" (% of one core), busiest first. */
function busyList(pcts, n = 4) {
  return Object.entries(pcts ?? {})
    .filter(([, v]) => Number.isFinite(v))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${label(k)} ${num(v, 0)}`)
    .join(', ');
}

/** The highest rate holding as text: "500/s", "< 100/s" (not even the lowest), "≥ 3,000/s" (the top of the grid). */
function holdingText(s) {
  if (s.highestHoldingRate === null) return s.firstFailingRate === null ? '—' : `< ${num(s.firstFailingRate, 0)}/s`;
  if (s.firstFailingRate === null) return `≥ ${num(s.highestHoldingRate, 0)}/s`;
  return `${num(s.highestHoldingRate, 0)}/s`;
}

/**
 * Lattice's highest rate holding ÷ another target's, on the grid: a plain ratio where both held
 * some rate and failed a higher one; "> x" / "< x" / "≥ x" / "≤ x" where one side is only bounded
 * (held nothing, or held the top of the grid); "—" where nothing can be said.
 */
function holdingRatio(a, b) {
  if (!a || !b) return '—';
  const held = (s) => s.highestHoldingRate !== null;
  const topped = (s) => s.firstFailingRate === null;
  if (held(a) && held(b)) {
    const r = num(a.highestHoldingRate / b.highestHoldingRate, 2);
    if (topped(a) && topped(b)) return '—';
    return topped(a) ? `≥ ${r}` : topped(b) ? `≤ ${r}` : r;
  }
  if (held(a) && !held(b)) return `> ${num(a.highestHoldingRate / b.firstFailingRate, 2)}`;
  if (!held(a) && held(b)) return `< ${num(a.firstFailingRate / b.highestHoldingRate, 2)}`;
  return '—';
}

const failures = (s) => s.non2xx + s.graphqlErrors + s.socketErrors + s.timeouts + s.checksFailed;
const minusGateway = (r) => (r.gateway === null || r.gateway === undefined ? r.productTotal : r.productTotal - r.gateway);

function openLoopSection(result) {
  const open = result.open;
  if (!open) return [];
  const o = result.options;
  const out = [];
  const queries = [...new Set(open.steps.map((s) => s.query))];
  const targets = ['lattice', 'stock', 'direct'].filter((t) => open.steps.some((s) => s.target === t));
  const summaryOf = (q, t) => open.summary.find((s) => s.query === q && s.target === t);

  out.push('## Open loop: fixed arrival rates');
  out.push('');
  out.push(
    `Requests arrive at a fixed rate whatever the responses do (request *i* is due at t0 + i / rate), so a server that falls behind builds a queue and the queueing shows in the latency, which runs from the time each request was due. Keep-alive connections are opened on demand up to ${num(o.openMaxConnections, 0)}; a request due while all are busy waits for one, and the wait counts. Rates are climbed in ascending order, every target at each rate before the next one (${o.openWarmup} s unmeasured then ${o.openDuration} s measured per step); a target stops climbing for an operation once p99 passes ${num(open.stopP99Ms, 0)} ms or anything fails. One pass, no rounds: read the rates as a grid, the real limit lies between the highest rate holding and the next one.`,
  );
  out.push('');
  out.push(`### Highest rate holding p99 < ${num(open.sloP99Ms, 0)} ms with no failures`);
  out.push('');
  const head = ['operation', ...targets.map((t) => TARGET_LABEL[t])];
  if (targets.includes('lattice') && targets.includes('stock')) head.push('Lattice ÷ stock');
  if (targets.includes('lattice') && targets.includes('direct')) head.push('Lattice ÷ direct');
  const rows = queries.map((q) => {
    const row = [q];
    for (const t of targets) {
      const s = summaryOf(q, t);
      row.push(s ? holdingText(s) : t === 'direct' ? 'no direct target (several subgraphs)' : '—');
    }
    if (targets.includes('lattice') && targets.includes('stock')) row.push(holdingRatio(summaryOf(q, 'lattice'), summaryOf(q, 'stock')));
    if (targets.includes('lattice') && targets.includes('direct')) row.push(holdingRatio(summaryOf(q, 'lattice'), summaryOf(q, 'direct')));
    return row;
  });
  out.push(table(head, rows));
  out.push('');
  out.push(
    'Ratios of the highest rates holding come from one pass on a grid of rates, not from rounds: a coarse figure, to read beside the closed-loop ratios (min / median / max over rounds). "< r/s": not even the lowest rate held; "≥ r/s": the top of the grid held; a ratio with > or < is a bound for the same reason.',
  );
  out.push('');
  out.push('### Where the limit is');
  out.push('');
  out.push(
    "CPU of each process in % of one core (busiest first; the machine has two cores, shared with the load generator and with other people's work) at the highest rate holding and at the first rate that did not.",
  );
  out.push('');
  const whereRows = open.summary.map((s) => [
    s.query,
    TARGET_LABEL[s.target] ?? s.target,
    holdingText(s),
    s.atHighestHolding
      ? `${busyList(s.atHighestHolding.cpuPercentOfOneCore)} (machine ${num(s.atHighestHolding.machineBusyPercentOfAllCores, 0)}%)`
      : '—',
    s.firstFailingRate === null
      ? `none up to ${num(s.highestRateTried, 0)}/s`
      : `${num(s.firstFailingRate, 0)}/s: ${s.atFirstFailing.why}${s.heldAboveFirstFailing?.length ? ` (yet ${s.heldAboveFirstFailing.map((r) => `${num(r, 0)}/s`).join(', ')} held: noise)` : ''}`,
    s.atFirstFailing
      ? `${busyList(s.atFirstFailing.cpuPercentOfOneCore)} (machine ${num(s.atFirstFailing.machineBusyPercentOfAllCores, 0)}%)`
      : '—',
  ]);
  out.push(
    table(
      ['operation', 'target', 'holds up to', 'busiest there, % of a core', 'first rate failing', 'busiest there, % of a core'],
      whereRows,
    ),
  );
  out.push('');
  out.push('### Every step');
  out.push('');
  out.push(
    "Latency in ms from the scheduled time. Failures: non-2xx / GraphQL `errors` / socket errors / timeouts (10 s) / failed data checks, then requests still unanswered 2 s after the window (counted with the time they had waited). CPU ms per successful request: the gateway that served it; the four subgraphs and the PostgreSQL backends of the benchmark database. The load generator's CPU is per request sent (it does its work whether or not the answer is good).",
  );
  out.push('');
  const stepRows = open.steps.map((s) => {
    const r = s.cpuMsPerRequestByRole;
    return [
      s.query,
      TARGET_LABEL[s.target] ?? s.target,
      num(s.rate, 0),
      num(s.achievedPerSecond, 0),
      num(s.latencyMs.p50, 1),
      num(s.latencyMs.p95, 1),
      num(s.latencyMs.p99, 1),
      num(s.latencyMs.max, 1),
      `${s.non2xx} / ${s.graphqlErrors} / ${s.socketErrors} / ${s.timeouts} / ${s.checksFailed}, ${s.unfinished}`,
      num(r.gateway, 3),
      num(minusGateway(r), 3),
      num(s.loadGeneratorCpuMsPerRequestSent ?? r.loadGenerator, 3),
      `${label(s.busiest.process)} ${num(s.busiest.cpuPercentOfOneCore, 0)}`,
      num(s.machineBusyPercentOfAllCores, 0),
      `${num(s.connections.peak, 0)}${s.maxQueued ? ` (${num(s.maxQueued, 0)} waited)` : ''}`,
      num(s.sendLagMs?.p99, 1),
      s.holds ? 'yes' : `**no**`,
    ];
  });
  out.push(
    table(
      [
        'operation',
        'target',
        'offered/s',
        'achieved/s',
        'p50',
        'p95',
        'p99',
        'max',
        'failures, unanswered',
        'gateway CPU ms/req',
        'subgraphs + PostgreSQL CPU ms/req',
        'generator CPU ms/request sent',
        'busiest, % of a core',
        'machine busy %',
        'connections',
        'generator late p99',
        'holds',
      ],
      stepRows,
    ),
  );
  const failed = open.steps.filter((s) => failures(s) > 0);
  if (failed.length) {
    out.push('');
    out.push(
      `Failures occurred in ${failed.length} step(s); the first samples: ${failed
        .slice(0, 3)
        .map((s) => `${s.query} ${s.target} ${s.rate}/s: \`${String(s.errorSamples[0] ?? s.checks?.[0] ?? '?').slice(0, 160)}\``)
        .join('; ')}.`,
    );
  }
  out.push('');
  out.push(
    "Generator late: the generator's own lateness, from a request's due time to its write for the requests that found a free connection (ms). It is part of the latencies (a crowded machine delays the generator too); when it approaches the p99, the generator, not the target, set the latency.",
  );
  return out;
}

function printOpenLoopSummary(result) {
  if (!result.open) return;
  for (const s of result.open.summary)
    console.log(
      `  open ${s.query} ${s.target}: holds p99 < ${s.sloP99Ms} ms up to ${holdingText(s)}` +
        (s.atFirstFailing
          ? `; ${s.firstFailingRate}/s fails (${s.atFirstFailing.why}; busiest ${busyList(s.atFirstFailing.cpuPercentOfOneCore, 3)})`
          : ''),
    );
}

module.exports = { openLoopSection, printOpenLoopSummary };
