'use strict';
// One open-loop run (a fixed arrival rate against one target and operation), driven from the
// benchmark process: the generator itself is bench/lib/open-loop-worker.js in a process of its
// own, started once and reused; this side reads /proc at the start and end of the measured window
// (the worker says when) and turns the worker's figures into a run entry like the closed loop's.
const { fork } = require('node:child_process');
const path = require('node:path');
const { cpuSnapshot, cpuBetween } = require('./load');
const { annotate, SUBGRAPHS } = require('./compare');
const { round } = require('./stats');
const { buildRequest } = require('./http1');

/** The key under which the generator's CPU is read: reported as the load generator's. */
const GENERATOR = 'openLoopGenerator';

/** Start the generator process. Returns { pid, run(params, onEvent), stop() }. */
function startGenerator() {
  const child = fork(path.join(__dirname, 'open-loop-worker.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    // A larger young generation: fewer scavenges of the short-lived per-read objects (~15% less CPU).
    execArgv: ['--max-semi-space-size=32'],
  });
  let seq = 0;
  const pending = new Map();
  let exited = null;
  child.on('message', (msg) => {
    const p = pending.get(msg.id);
    if (!p) return;
    if (msg.event) return p.onEvent(msg.event);
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`open-loop generator: ${msg.error}`));
  });
  child.once('exit', (code, signal) => {
    exited = code ?? signal;
    for (const p of pending.values()) p.reject(new Error(`open-loop generator exited (${exited})`));
    pending.clear();
  });
  return {
    pid: child.pid,
    run(params, onEvent) {
      if (exited !== null) return Promise.reject(new Error(`open-loop generator exited (${exited})`));
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, onEvent });
        child.send({ id, ...params });
      });
    },
    async stop() {
      if (exited !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}

/** CPU % of one core by role, for "which process was busiest": the target's gateway, each subgraph, PostgreSQL, the generator. */
function busyByRole(entry, target) {
  const p = entry.cpuPercentOfOneCore;
  const out = {};
  if (target.roles.gateway !== null) out.gateway = p[target.roles.gateway ?? 'gateway'] ?? null;
  for (const s of SUBGRAPHS) out[s] = p[target.roles[s] ?? s] ?? null;
  out.postgres = p[target.roles.postgres ?? 'postgres'] ?? null;
  out.loadGenerator = p.loadGenerator ?? null;
  return out;
}

/**
 * One open-loop run: `rate` requests/s at `url` for warmup + duration seconds, the warm-up
 * unmeasured (it also opens the connections the rate needs). Returns the run entry: offered and
 * achieved rate, latency from the scheduled time, errors, CPU per request and % of a core of every
 * process in `pids` (the generator's as `loadGenerator`, this process's as `benchmarkProcess`).
 */
async function runOpenLoop({
  generator,
  target,
  url,
  headers,
  body,
  rate,
  warmupSeconds,
  durationSeconds,
  maxConnections,
  timeoutMs = 10_000,
  drainMs = 2_000,
  checkEvery = 100,
  pids,
  databases = {},
}) {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1') throw new Error(`load only targets 127.0.0.1, not ${u.hostname}`);
  const request = buildRequest(url, headers, body);
  const watched = { ...pids, [GENERATOR]: generator.pid };
  let before = null;
  let after = null;
  const result = await generator.run(
    {
      host: u.hostname,
      port: Number(u.port),
      request,
      rate,
      warmupMs: warmupSeconds * 1000,
      durationMs: durationSeconds * 1000,
      maxConnections,
      timeoutMs,
      drainMs,
      checkEvery,
    },
    (event) => {
      if (event === 'measureStart') before = cpuSnapshot(watched, databases);
      else if (event === 'windowEnd') after = cpuSnapshot(watched, databases);
    },
  );
  if (!before || !after) throw new Error('open-loop generator finished without a measured window');
  const seconds = (after.at - before.at) / 1000;
  const cpu = cpuBetween(before, after);
  // In this mode the load comes from the worker; the benchmark process only waits.
  cpu.benchmarkProcess = cpu.loadGenerator;
  cpu.loadGenerator = cpu[GENERATOR];
  delete cpu[GENERATOR];
  const good = result.okInWindow;
  const cpuMsPerRequest = {};
  const cpuPercentOfOneCore = {};
  for (const [name, s] of Object.entries(cpu)) {
    cpuMsPerRequest[name] = good ? round((s * 1000) / good, 3) : null;
    cpuPercentOfOneCore[name] = round((100 * s) / seconds, 1);
  }
  const c = result.counts;
  const entry = {
    rate,
    seconds: round(seconds, 2),
    offeredPerSecond: round(c.scheduled / durationSeconds, 1),
    achievedPerSecond: round(good / seconds, 1),
    requests: c.scheduled,
    successful: c.ok,
    non2xx: c.non2xx,
    graphqlErrors: c.graphqlErrors,
    socketErrors: c.socketErrors,
    timeouts: c.timeouts,
    unfinished: c.unfinished,
    latencyMs: result.latencyMs,
    sendLagMs: result.sendLagMs,
    connections: result.connections,
    maxQueued: result.maxQueued,
    statusCodes: result.statusCodes,
    bodiesChecked: result.bodiesChecked,
    bodySamples: result.bodySamples,
    errorSamples: result.errorSamples,
    cpuMsPerRequest,
    cpuPercentOfOneCore,
    machineBusyPercentOfAllCores: round(
      (100 * (after.machine.busy - before.machine.busy)) / (after.machine.total - before.machine.total),
      1,
    ),
  };
  // The generator's own cost also per request it sent, which stays meaningful when few succeeded.
  entry.loadGeneratorCpuMsPerRequestSent = c.scheduled
    ? round((cpu.loadGenerator * 1000 * durationSeconds) / seconds / c.scheduled, 3)
    : null;
  annotate(entry, target);
  entry.cpuPercentByRole = busyByRole(entry, target);
  const [name, pct] = Object.entries(entry.cpuPercentByRole)
    .filter(([, v]) => Number.isFinite(v))
    .reduce((a, b) => (b[1] > a[1] ? b : a), ['—', -1]);
  entry.busiest = { process: name, cpuPercentOfOneCore: pct };
  return entry;
}

module.exports = { startGenerator, runOpenLoop };
