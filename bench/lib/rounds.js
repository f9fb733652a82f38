'use strict';
// The measuring loop both HTTP benchmarks share: rounds × operations × connection counts, and in
// each of them every target in turn (A, B, A, B …), each run preceded by a fully checked request
// and a short unmeasured warm-up, and followed by another checked request. Before the first round,
// every target serves every operation unmeasured for PRIME seconds.
const { runLoad } = require('./load');
const { annotate } = require('./compare');
const { machineCpu } = require('./proc');
const { round } = require('./stats');

/** The URL a target serves `op` at: one URL, or one per operation (a subgraph called directly). */
const urlOf = (target, op) => (typeof target.url === 'function' ? target.url(op) : target.url);
/** Whether a target serves `op` at all (a subgraph called directly serves only its own root fields). */
const serves = (target, op) => !target.serves || target.serves(op);

/** One request whose response is fully checked: HTTP 200, JSON, no `errors`, and `op.check(data, tenant)`. */
async function checkOnce(target, op, timeoutMs = 10_000) {
  const res = await fetch(urlOf(target, op), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers(op) },
    body: JSON.stringify({ query: op.query }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return `HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`;
  }
  if (res.status !== 200) return `HTTP ${res.status}: ${text.slice(0, 300)}`;
  if (body.errors) return `errors: ${JSON.stringify(body.errors).slice(0, 300)}`;
  return op.check(body.data, target.tenant);
}

/** Every target answers every operation correctly, or this throws. */
async function checkAll(targets, ops) {
  for (const [key, op] of Object.entries(ops)) {
    for (const t of targets.filter((x) => serves(x, op))) {
      const problem = await checkOnce(t, op);
      if (problem) throw new Error(`${key} at ${t.name}: ${problem}`);
    }
  }
}

/** How busy the machine is before anything starts (others' load), % of all cores. */
async function backgroundLoad(seconds = 2) {
  const a = machineCpu();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = machineCpu();
  return round((100 * (b.busy - a.busy)) / (b.total - a.total), 1);
}

/**
 * Every target serves every operation it serves for `seconds`, unmeasured: the first measurement
 * would otherwise measure V8 compiling each process's code path for that operation.
 */
async function primeTargets({ targets, ops, connections, seconds, pids, log }) {
  for (const [key, op] of Object.entries(ops)) {
    for (const target of targets.filter((t) => serves(t, op))) {
      const r = await runLoad({
        url: urlOf(target, op),
        headers: target.headers(op),
        body: JSON.stringify({ query: op.query }),
        connections,
        pids,
        durationSeconds: seconds,
      });
      log(`primed ${key} at ${target.name}: ${r.successful} requests in ${seconds}s`);
    }
  }
}

/**
 * targets: [{ name, url (or url(op)), serves(op)?, headers(op), tenant, roles, idle }] in the order they run in each round
 * (reversed in even rounds with order 'alternate').
 * ops: { key: { query, check } }. pids: every process whose CPU is read ({ name: pid });
 * databases: { label → database name } whose PostgreSQL backends' CPU is read (as `postgres:<label>`).
 */
async function runRounds({ targets, ops, connections, rounds, duration, warmup, prime = 0, order = 'fixed', pids, databases = {}, log }) {
  if (prime > 0) await primeTargets({ targets, ops, connections: connections[0], seconds: prime, pids, log });
  const runs = [];
  const pairs = Object.values(ops).reduce((n, op) => n + targets.filter((t) => serves(t, op)).length, 0);
  const total = rounds * connections.length * pairs;
  for (let r = 1; r <= rounds; r++) {
    for (const [key, op] of Object.entries(ops)) {
      const body = JSON.stringify({ query: op.query });
      for (const c of connections) {
        // 'fixed': A, B in every round; 'alternate': A, B in odd rounds and B, A in even ones, so a
        // side that gains from running second (or first) does so in half of the rounds only.
        for (const target of (order === 'alternate' && r % 2 === 0 ? [...targets].reverse() : targets).filter((t) => serves(t, op))) {
          const load = { url: urlOf(target, op), headers: target.headers(op), body, connections: c, pids, databases };
          const checks = [await checkOnce(target, op)];
          if (warmup > 0) await runLoad({ ...load, durationSeconds: warmup });
          const res = await runLoad({ ...load, durationSeconds: duration });
          checks.push(await checkOnce(target, op));
          const entry = annotate({ round: r, query: key, connections: c, target: target.name, ...res, checks }, target);
          runs.push(entry);
          const problems = res.non2xx + res.graphqlErrors + res.errors + checks.filter(Boolean).length;
          log(
            `[${runs.length}/${total}] round ${r} ${key} c=${c} ${target.name.padEnd(8)} ${String(res.requestsPerSecond).padStart(8)} req/s` +
              `  p50 ${res.latencyMs.p50} ms  p99 ${res.latencyMs.p99} ms  gateway ${entry.cpuMsPerRequestByRole.gateway ?? '(none)'} ms CPU/req` +
              (problems
                ? `  PROBLEMS: non-2xx ${res.non2xx}, GraphQL errors ${res.graphqlErrors}, socket errors ${res.errors}, checks: ${checks.filter(Boolean).join('; ') || 'ok'} ${res.errorSamples[0] ?? ''}`
                : ''),
          );
        }
      }
    }
  }
  return runs;
}

module.exports = { runRounds, primeTargets, checkOnce, checkAll, backgroundLoad, urlOf, serves };
