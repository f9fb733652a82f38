'use strict';
// A/B runs in rounds: per run, CPU by role (the gateway that served it, each subgraph, PostgreSQL,
// Redis, the load generator); per cell, median (min–max) over rounds of each side, and the ratios
// A ÷ B of the runs paired by round.
const { round, spread } = require('./stats');

const SUBGRAPHS = ['accounts', 'billing', 'ai-platform', 'monitoring'];
const ROLES = ['gateway', ...SUBGRAPHS, 'postgres', 'redis'];
const TOTAL_ROLES = ROLES.filter((r) => r !== 'redis');

/**
 * CPU ms per request by role. `target.roles` maps a role to the process name the run's readings
 * use (e.g. { gateway: 'stock', accounts: 'accounts' }); `target.idle` names the processes that
 * took no part in this run (the other side), whose CPU is reported as % of a core.
 */
function byRole(run, target) {
  const c = run.cpuMsPerRequest;
  const out = {};
  for (const role of ROLES) out[role] = target.roles[role] === null ? null : (c[target.roles[role] ?? role] ?? null);
  // Redis is left out of the total: the server is shared with other people's work on the machine.
  // A target without a gateway (a subgraph called directly: roles.gateway null) totals the rest.
  out.productTotal = round(
    TOTAL_ROLES.filter((role) => target.roles[role] !== null).reduce((a, role) => a + (out[role] ?? NaN), 0),
    3,
  );
  out.loadGenerator = c.loadGenerator;
  return out;
}

const idleCpuPercent = (run, target) =>
  round(
    (target.idle ?? []).reduce((a, p) => a + (run.cpuPercentOfOneCore[p] ?? 0), 0),
    1,
  );

/** One side of a cell over its rounds. */
function aggregate(rs) {
  const cpuMsPerRequest = {};
  for (const role of [...ROLES, 'productTotal', 'loadGenerator'])
    cpuMsPerRequest[role] = spread(rs.map((r) => r.cpuMsPerRequestByRole[role]));
  return {
    rounds: rs.length,
    requestsPerSecond: spread(
      rs.map((r) => r.requestsPerSecond),
      1,
    ),
    p50: spread(rs.map((r) => r.latencyMs.p50)),
    p95: spread(rs.map((r) => r.latencyMs.p95)),
    p97_5: spread(rs.map((r) => r.latencyMs.p97_5)),
    p99: spread(rs.map((r) => r.latencyMs.p99)),
    cpuMsPerRequest,
    gatewayCpuPercentOfOneCore: spread(
      rs.map((r) => r.gatewayCpuPercentOfOneCore),
      1,
    ),
    idleSideCpuPercentOfOneCore: spread(
      rs.map((r) => r.idleSideCpuPercentOfOneCore),
      1,
    ),
    machineBusyPercent: spread(
      rs.map((r) => r.machineBusyPercentOfAllCores),
      1,
    ),
    successful: rs.reduce((n, r) => n + r.successful, 0),
    non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
    graphqlErrors: rs.reduce((n, r) => n + r.graphqlErrors, 0),
    socketErrors: rs.reduce((n, r) => n + r.errors, 0),
    timeouts: rs.reduce((n, r) => n + r.timeouts, 0),
    checksFailed: rs.reduce((n, r) => n + r.checks.filter(Boolean).length, 0),
  };
}

/** Both sides of one cell and the ratios a ÷ b per round (min / median / max). */
function compareCell(runs, a, b) {
  const side = (t) => runs.filter((r) => r.target === t).sort((x, y) => x.round - y.round);
  const A = side(a);
  const B = side(b);
  const pairs = A.map((x) => [x, B.find((y) => y.round === x.round)]).filter(([, y]) => y);
  const ratio = (f) =>
    spread(
      pairs.map(([x, y]) => (f(y) ? f(x) / f(y) : NaN)),
      3,
    );
  const ratios = {
    requestsPerSecond: ratio((r) => r.requestsPerSecond),
    p50: ratio((r) => r.latencyMs.p50),
    p95: ratio((r) => r.latencyMs.p95),
    p97_5: ratio((r) => r.latencyMs.p97_5),
    p99: ratio((r) => r.latencyMs.p99),
    productCpuMsPerRequest: ratio((r) => r.cpuMsPerRequestByRole.productTotal),
  };
  for (const role of ROLES) ratios[`${role}CpuMsPerRequest`] = ratio((r) => r.cpuMsPerRequestByRole[role]);
  return { [a]: aggregate(A), [b]: aggregate(B), ratio: ratios };
}

/** Adds the role figures of `target` to a run's entry. */
function annotate(entry, target) {
  entry.cpuMsPerRequestByRole = byRole(entry, target);
  entry.gatewayCpuPercentOfOneCore = target.roles.gateway === null ? null : entry.cpuPercentOfOneCore[target.roles.gateway ?? 'gateway'];
  entry.idleSideCpuPercentOfOneCore = idleCpuPercent(entry, target);
  return entry;
}

module.exports = { SUBGRAPHS, ROLES, compareCell, annotate };
