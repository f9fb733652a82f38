'use strict';
// HTTP load with autocannon (programmatic API, in the benchmark's own process) against one
// GraphQL endpoint on 127.0.0.1, with the CPU of every process of interest read from /proc right
// before and right after the run. Every run is bounded in time (its duration, with a hard stop
// 35 s later) and in count (maxOverallRequests).
const autocannon = require('autocannon');
const { cpuSeconds, cpuByCommand, cpuDelta, cpuDeltaIncludingNew, postgresBackendCpu, machineCpu } = require('./proc');
const { percentile, round } = require('./stats');

/** Whether a GraphQL response body says something went wrong (checked on every response). */
const hasGraphQLErrors = (body) => typeof body !== 'string' || body.includes('"errors"') || !body.includes('"data"');

/**
 * CPU seconds so far of the named pids, of the PostgreSQL backends of each named database
 * (`databases`: { label → database name }), of all PostgreSQL and Redis server processes, of this
 * process, and of the machine.
 */
function cpuSnapshot(pids, databases = {}) {
  const u = process.cpuUsage();
  const snap = {
    at: performance.now(),
    machine: machineCpu(),
    processes: {},
    loadGenerator: (u.user + u.system) / 1e6,
    postgres: cpuByCommand(['postgres']),
    redis: cpuByCommand(['redis-server']),
    databases: postgresBackendCpu(Object.values(databases)),
    databaseLabels: databases,
  };
  for (const [name, pid] of Object.entries(pids)) snap.processes[name] = cpuSeconds(pid);
  return snap;
}

/** CPU seconds per process between two snapshots. */
function cpuBetween(a, b) {
  const out = {};
  for (const name of Object.keys(a.processes)) out[name] = b.processes[name] - a.processes[name];
  // PostgreSQL: all of it (other people's databases and the server's own processes included), and
  // the backends of each of the benchmark's databases (pool connections opened meanwhile included).
  out.postgresServer = cpuDeltaIncludingNew(a.postgres, b.postgres);
  for (const [label, db] of Object.entries(a.databaseLabels))
    out[`postgres:${label}`] = cpuDeltaIncludingNew(a.databases[db], b.databases[db]);
  out.redis = cpuDelta(a.redis, b.redis);
  out.loadGenerator = b.loadGenerator - a.loadGenerator;
  return out;
}

/**
 * One autocannon run. `request`: { url, headers, body }. Returns throughput, latency (our own
 * percentiles from every response's duration, sub-millisecond, p95 included, which autocannon's
 * histogram summary lacks; plus autocannon's integer-ms ones),
 * error counts, and CPU ms per successful request of every process in `pids`.
 */
async function runLoad({ url, headers = {}, body, connections, durationSeconds, pids, databases = {}, maxRequests = 2_000_000 }) {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error(`load only targets 127.0.0.1, not ${target.hostname}`);
  const latencies = [];
  const statusCounts = {};
  const errorSamples = [];
  let graphqlErrors = 0;
  // autocannon emits 'response' and then calls verifyBody for the same response, synchronously.
  let lastStatus = 0;
  const instance = autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections,
    duration: durationSeconds,
    maxOverallRequests: maxRequests,
    // Seconds before autocannon gives up on a response (counted as a socket error): generous, since
    // 50 connections on this crowded machine can queue for several seconds.
    timeout: 30,
    // Every response body is checked; the first few bad ones are kept. GraphQL errors are counted
    // for 2xx responses (the others are non-2xx already).
    verifyBody: (text) => {
      if (!hasGraphQLErrors(text)) return true;
      if (lastStatus >= 200 && lastStatus < 300) graphqlErrors++;
      if (errorSamples.length < 3) errorSamples.push(String(text).slice(0, 500));
      return false;
    },
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    lastStatus = statusCode;
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const hardStop = setTimeout(() => instance.stop(), (durationSeconds + 35) * 1000);
  const before = cpuSnapshot(pids, databases);
  let result;
  try {
    result = await new Promise((resolve, reject) => {
      instance.once('done', resolve);
      instance.once('error', reject);
    });
  } finally {
    clearTimeout(hardStop);
  }
  const after = cpuSnapshot(pids, databases);
  const seconds = (after.at - before.at) / 1000;
  const ok = latencies.length;
  // Successful = 2xx without GraphQL errors; CPU is divided by these.
  const good = Math.max(0, ok - graphqlErrors);
  const cpu = cpuBetween(before, after);
  const cpuMsPerRequest = {};
  const cpuPercentOfOneCore = {};
  for (const [name, s] of Object.entries(cpu)) {
    cpuMsPerRequest[name] = good ? round((s * 1000) / good, 3) : null;
    cpuPercentOfOneCore[name] = round((100 * s) / seconds, 1);
  }
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p) => (sorted.length ? round(percentile(sorted, p), 3) : null);
  return {
    connections,
    seconds: round(seconds, 2),
    requests:
      ok +
      Object.entries(statusCounts)
        .filter(([c]) => c < 200 || c >= 300)
        .reduce((n, [, v]) => n + v, 0),
    successful: good,
    requestsPerSecond: round(good / seconds, 1),
    latencyMs: { p50: pct(50), p90: pct(90), p95: pct(95), p97_5: pct(97.5), p99: pct(99), max: pct(100) },
    autocannon: {
      requestsPerSecondMean: result.requests.mean,
      latencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99 },
      totalCompletedRequests: result.requests.total,
    },
    non2xx: result.non2xx,
    statusCodes: statusCounts,
    errors: result.errors,
    timeouts: result.timeouts,
    graphqlErrors,
    errorSamples,
    cpuMsPerRequest,
    cpuPercentOfOneCore,
    machineBusyPercentOfAllCores: round(
      (100 * (after.machine.busy - before.machine.busy)) / (after.machine.total - before.machine.total),
      1,
    ),
  };
}

/** CPU of every process while nothing is sent: % of one core over `seconds`. */
async function idleCpu({ pids, databases = {}, seconds }) {
  const before = cpuSnapshot(pids, databases);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = cpuSnapshot(pids, databases);
  const wall = (after.at - before.at) / 1000;
  const out = {};
  for (const [name, s] of Object.entries(cpuBetween(before, after))) out[name] = round((100 * s) / wall, 1);
  out.machineBusyPercentOfAllCores = round(
    (100 * (after.machine.busy - before.machine.busy)) / (after.machine.total - before.machine.total),
    1,
  );
  return out;
}

module.exports = { runLoad, idleCpu, hasGraphQLErrors, cpuSnapshot, cpuBetween };
