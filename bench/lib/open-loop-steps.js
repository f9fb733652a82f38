'use strict';
// The open-loop rate ladder: per operation, the rates in ascending order, every target at each rate
// before the next rate (interleaved, so a slow phase of the machine hits all targets alike). A
// target stops climbing for an operation once p99 passes STOP_P99_MS or anything fails: beyond
// that point the step only measures an overloaded queue and costs time. Then, per target and
// operation, the highest rate that held (p99 under SLO_P99_MS, no failures) and the first that did
// not, with the process that was busiest at each.
const { runOpenLoop } = require('./open-loop');
const { checkOnce, serves, urlOf } = require('./rounds');

/** checkOnce, with a timeout or network error as the problem it reports rather than a throw. */
async function checkQuietly(target, op, timeoutMs) {
  try {
    return await checkOnce(target, op, timeoutMs);
  } catch (err) {
    return `no answer: ${err.message}`;
  }
}

const SLO_P99_MS = 100;
const STOP_P99_MS = 1000;

const failures = (s) => s.non2xx + s.graphqlErrors + s.socketErrors + s.timeouts + s.checksFailed;
const holds = (s) => Number.isFinite(s.latencyMs.p99) && s.latencyMs.p99 < SLO_P99_MS && failures(s) === 0 && s.unfinished === 0;

/** Why a step did not hold, in a few words. */
function whyNot(s) {
  const why = [];
  if (!(s.latencyMs.p99 < SLO_P99_MS)) why.push(`p99 ${Math.round(s.latencyMs.p99)} ms`);
  if (failures(s)) why.push(`${failures(s)} failed`);
  if (s.unfinished) why.push(`${s.unfinished} unanswered at the end`);
  return why.join(', ');
}

/** What the summary keeps of a step. */
const brief = (s) =>
  s && {
    rate: s.rate,
    achievedPerSecond: s.achievedPerSecond,
    p99: s.latencyMs.p99,
    busiest: s.busiest,
    cpuPercentOfOneCore: s.cpuPercentByRole,
    machineBusyPercentOfAllCores: s.machineBusyPercentOfAllCores,
  };

/** Per target and operation: the highest rate holding (every lower rate held too) and the first that did not. */
function ladderSummary(steps) {
  const out = [];
  const keys = [...new Set(steps.map((s) => `${s.query}\u0000${s.target}`))];
  for (const k of keys) {
    const [query, target] = k.split('\u0000');
    const mine = steps.filter((s) => s.query === query && s.target === target).sort((a, b) => a.rate - b.rate);
    const firstFail = mine.find((s) => !s.holds) ?? null;
    const held = mine.filter((s) => s.holds && (!firstFail || s.rate < firstFail.rate));
    const last = held[held.length - 1] ?? null;
    out.push({
      query,
      target,
      sloP99Ms: SLO_P99_MS,
      highestHoldingRate: last?.rate ?? null,
      atHighestHolding: brief(last),
      firstFailingRate: firstFail?.rate ?? null,
      atFirstFailing: firstFail ? { ...brief(firstFail), why: whyNot(firstFail) } : null,
      highestRateTried: mine[mine.length - 1]?.rate ?? null,
      // Noise on a shared machine: a higher rate may hold after a lower one failed. Reported, not counted.
      heldAboveFirstFailing: firstFail ? mine.filter((s) => s.holds && s.rate > firstFail.rate).map((s) => s.rate) : [],
    });
  }
  return out;
}

/**
 * targets: as for runRounds (url or url(op), serves(op), headers(op), tenant, roles). ops: { key: op }.
 * Returns { steps, summary }.
 */
async function runRateLadder({ generator, targets, ops, rates, warmup, duration, maxConnections, pids, databases, log }) {
  const steps = [];
  for (const [key, op] of Object.entries(ops)) {
    const live = targets.filter((t) => serves(t, op));
    const stopped = new Set();
    for (const rate of rates) {
      for (const target of live.filter((t) => !stopped.has(t.name))) {
        const before = await checkQuietly(target, op, 10_000);
        const entry = await runOpenLoop({
          generator,
          target,
          url: urlOf(target, op),
          headers: target.headers(op),
          body: JSON.stringify({ query: op.query }),
          rate,
          warmupSeconds: warmup,
          durationSeconds: duration,
          maxConnections,
          pids,
          databases,
        });
        // The bodies the generator parsed in full also get the operation's own data check.
        const checks = [
          before,
          ...entry.bodySamples.map((text) => {
            try {
              return op.check(JSON.parse(text).data, target.tenant);
            } catch (err) {
              return err.message;
            }
          }),
        ];
        delete entry.bodySamples;
        entry.checks = checks.filter(Boolean);
        entry.checksFailed = entry.checks.length;
        entry.holds = holds(entry);
        const step = { query: key, target: target.name, ...entry };
        steps.push(step);
        const l = entry.latencyMs;
        log(
          `[open] ${key} ${target.name.padEnd(8)} ${String(rate).padStart(5)}/s → ${entry.achievedPerSecond}/s  p50 ${l.p50}  p99 ${l.p99}  max ${l.max} ms` +
            `  busiest ${entry.busiest.process} ${entry.busiest.cpuPercentOfOneCore}%  generator ${entry.loadGeneratorCpuMsPerRequestSent} ms CPU/request sent` +
            (entry.holds
              ? '  holds'
              : `  does not hold: ${whyNot(entry)}${entry.errorSamples[0] ? ` (${entry.errorSamples[0].slice(0, 200)})` : ''}`),
        );
        if (!(l.p99 <= STOP_P99_MS) || failures(entry) || entry.unfinished) {
          stopped.add(target.name);
          // The server is still working through requests the generator gave up on: wait until it
          // answers again, so the next step (of any target) does not pay for this one's backlog.
          const t = performance.now();
          const after = await checkQuietly(target, op, 120_000);
          step.settleSeconds = Math.round(performance.now() - t) / 1000;
          if (after) {
            step.checks.push(`after the step: ${after}`);
            step.checksFailed = step.checks.length;
          }
          log(`[open] ${key} ${target.name}: answered again ${step.settleSeconds} s after the step${after ? ` (${after})` : ''}`);
        }
      }
      if (live.every((t) => stopped.has(t.name))) break;
    }
  }
  return { steps, summary: ladderSummary(steps) };
}

module.exports = { runRateLadder, ladderSummary, SLO_P99_MS, STOP_P99_MS };
