#!/usr/bin/env node
'use strict';
// `npm run bench` (builds first): runs the benchmarks against real processes and writes
// bench/results/<name>.json. Not part of `npm test`. Options from the environment or the command
// line (`npm run bench -- --clients=200 --duration=10`); see bench/README.md.
const fs = require('node:fs');
const path = require('node:path');
const { stopAll } = require('./lib/stack');
const { machine } = require('./lib/proc');

const BENCHMARKS = {
  subscriptions: () => require('./subscriptions'),
};

const OPTIONS = {
  clients: { env: 'CLIENTS', default: 1000, help: 'subscribed clients in the fanout scenarios' },
  crossClients: { env: 'CROSS_CLIENTS', default: 100, help: 'subscribed clients in the cross scenarios (recordedBy from accounts; 0 skips them)' },
  rate: { env: 'RATE', default: 20, help: 'events published per second in total (round-robin over the organizations)' },
  duration: { env: 'DURATION', default: 30, help: 'measured seconds per scenario' },
  warmup: { env: 'WARMUP', default: 5, help: 'seconds of publishing before the window (and until every client has had an event)' },
  settleMs: { env: 'SETTLE_MS', default: 250, help: 'the warm-up goes on until the p99 latency of the last second is under this' },
  orgs: { env: 'ORGS', default: 10, help: 'organizations the clients are spread over' },
  baseline: { env: 'BASELINE', default: 3, help: 'seconds of publishing with no subscriber first, to measure what the mutations alone cost' },
  grace: { env: 'GRACE', default: 2, help: 'seconds after the window for the last events to arrive' },
  workers: { env: 'WORKERS', default: 0, help: 'client worker processes (0: one per 1,000 clients)' },
  connectBatch: { env: 'CONNECT_BATCH', default: 50, help: 'clients connecting at once per worker' },
  scenarios: { env: 'SCENARIOS', default: 'fanout,fanout-shared,cross', help: 'which scenarios, comma-separated (fanout, fanout-shared, cross, cross-shared)' },
  profile: { env: 'PROFILE', default: 0, help: '1: CPU-profile the gateway during the window (slower; separate result file)' },
  name: { env: 'RESULT_NAME', default: '', help: 'result file name (default: subscriptions, with the non-default options appended)' },
};

function parseOptions(argv, env) {
  const cli = {};
  const positional = [];
  for (const arg of argv) {
    const m = arg.match(/^--([\w-]+)(?:=(.*))?$/);
    if (!m) {
      positional.push(arg);
      continue;
    }
    const key = m[1].replace(/-(\w)/g, (_, c) => c.toUpperCase());
    if (key === 'help') cli.help = true;
    else if (!(key in OPTIONS)) throw new Error(`unknown option --${m[1]}`);
    else cli[key] = m[2] ?? '1';
  }
  const opts = { help: !!cli.help, benchmarks: positional.length ? positional : Object.keys(BENCHMARKS) };
  for (const [key, o] of Object.entries(OPTIONS)) {
    const raw = cli[key] ?? env[o.env];
    if (raw === undefined || raw === '') opts[key] = o.default;
    else if (typeof o.default === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${o.env} must be a non-negative number, got ${raw}`);
      opts[key] = n;
    } else opts[key] = raw;
  }
  opts.scenarios = String(opts.scenarios).split(',').map((s) => s.trim()).filter(Boolean);
  opts.profile = !!opts.profile;
  if (opts.rate <= 0 || opts.duration <= 0 || opts.orgs < 1) throw new Error('RATE and DURATION must be positive, ORGS at least 1');
  // Frames whose inclusive time the profile summary reports.
  opts.profileFrames = [
    'executeEvent', // per event (per shared subscription): executeQueryPlan with the event as the primary fetch
    'executeQueryPlan',
    'sendRequest', // RemoteGraphQLDataSource: one HTTP entity fetch
    'willSendRequest', // PrincipalDataSource: signs the principal token for it
    'isSecureEndpoint', // agent-base, under Apollo's make-fetch-happen fetcher
    'stringifyMessage', // graphql-ws: JSON of every message sent
    'parseMessage', // graphql-ws: JSON of every message received
    'writev', // socket writes
    'pump', // SharedSubscriptions: hands an event to every subscriber
  ];
  return opts;
}

/** `subscriptions` for the defaults; otherwise the options that differ, e.g. subscriptions-clients2000-rate50. */
function resultName(benchmark, opts) {
  if (opts.name) return opts.name;
  const parts = [benchmark];
  for (const [key, o] of Object.entries(OPTIONS)) {
    if (['name', 'profile', 'scenarios'].includes(key)) continue;
    if (opts[key] !== o.default) parts.push(`${key}${opts[key]}`);
  }
  if (opts.scenarios.join(',') !== OPTIONS.scenarios.default) parts.push(opts.scenarios.join('+'));
  if (opts.profile) parts.push('profile');
  return parts.join('-');
}

/** The commit measured, and whether the working tree differed from it (bench/ aside). */
function gitState() {
  const { execFileSync } = require('node:child_process');
  try {
    const git = (...args) => execFileSync('git', args, { cwd: path.join(__dirname, '..'), encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', '.', ':!bench', ':!docs/bench').split('\n').filter(Boolean);
    return { commit: git('rev-parse', 'HEAD'), subject: git('log', '-1', '--format=%s'), uncommittedChanges: changed };
  } catch {
    return null;
  }
}

/** The option as its environment variable holds it. */
const envValue = (opts, key) => (Array.isArray(opts[key]) ? opts[key].join(',') : typeof opts[key] === 'boolean' ? Number(opts[key]) : opts[key]);

/** The command that reproduces this run: the non-default options as environment variables. */
const commandLine = (opts) =>
  Object.entries(OPTIONS)
    .filter(([key, o]) => String(envValue(opts, key)) !== String(o.default))
    .map(([key, o]) => `${o.env}=${envValue(opts, key)} `)
    .join('') + 'npm run bench';

const fmt = (v, unit = '') => (v === null || v === undefined || Number.isNaN(v) ? '—' : `${v}${unit}`);

function printSummary(r) {
  const l = r.latencyMs;
  const d = r.deliveries;
  const g = r.memory.gateway;
  console.log(
    [
      ``,
      `  ${r.scenario}: ${r.clients} clients / ${r.principals} sessions / ${r.organizations} orgs, ${r.eventsPerSecond} events/s (${r.expectedDeliveriesPerSecond} deliveries/s)`,
      `    latency ms      p50 ${fmt(l.p50)}  p95 ${fmt(l.p95)}  p99 ${fmt(l.p99)}  max ${fmt(l.max)}`,
      `    redis→client    p50 ${fmt(r.breakdownMs.redisToClient.p50)}  p99 ${fmt(r.breakdownMs.redisToClient.p99)}; send→redis p50 ${fmt(r.breakdownMs.sendToRedis.p50)}`,
      `    delivered       ${d.delivered}/${d.expected} (lost ${d.lost}, duplicates ${d.duplicates}, other tenant ${d.otherTenant}, errors ${d.eventErrors + d.subscriptionErrors}, entity missing ${d.missingEntity})`,
      `    gateway CPU     ${fmt(r.cpuPercentOfOneCore.gateway, '%')} of a core (${fmt(r.gatewayCpuMicrosecondsPerDelivery)} µs/delivery; publisher alone ${fmt(r.publisherOnly?.cpuPercentOfOneCore.gateway, '%')}); monitoring ${fmt(r.cpuPercentOfOneCore.monitoring, '%')}; accounts ${fmt(r.cpuPercentOfOneCore.accounts, '%')}; postgres ${fmt(r.cpuPercentOfOneCore.postgres, '%')}; machine ${fmt(r.machineBusyPercentOfAllCores, '%')} of all cores`,
      `    gateway memory  RSS ${g.rssBeforeMB} → ${g.rssSubscribedMB} MB = ${g.rssPerConnectionKB} KB/connection; heap ${g.heapUsedBeforeMB} → ${g.heapUsedSubscribedMB} MB = ${g.heapPerConnectionKB} KB/connection`,
      `    gauges          end of window ${r.gauges.endOfWindow.upstream} upstream / ${r.gauges.endOfWindow.connections} connections; after disconnect ${r.gauges.afterDisconnect.upstream} / ${r.gauges.afterDisconnect.connections}`,
      ``,
    ].join('\n'),
  );
}

async function main() {
  const opts = parseOptions(process.argv.slice(2), process.env);
  if (opts.help) {
    console.log('node bench/run.js [benchmark...] [--option=value...]\n');
    for (const [key, o] of Object.entries(OPTIONS)) console.log(`  --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}  ${o.env}=${o.default}  ${o.help}`);
    return;
  }
  const started = Date.now();
  const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
  for (const benchmark of opts.benchmarks) {
    if (!BENCHMARKS[benchmark]) throw new Error(`unknown benchmark ${benchmark} (known: ${Object.keys(BENCHMARKS).join(', ')})`);
    const name = resultName(benchmark, opts);
    log(`benchmark ${benchmark} → bench/results/${name}.json`);
    const scenarios = await BENCHMARKS[benchmark]().run(opts, log);
    const { help: _h, benchmarks: _b, profileFrames: _p, ...options } = opts;
    const result = {
      benchmark,
      date: new Date().toISOString(),
      command: commandLine(opts),
      options,
      git: gitState(),
      machine: machine(),
      loadGenerator:
        'The clients, the publisher and PostgreSQL/Redis run on the same machine as the gateway and the subgraphs: they compete for the same cores.',
      clock: 'process.hrtime (CLOCK_MONOTONIC, shared by all processes of the machine), ms',
      totalSeconds: Math.round((Date.now() - started) / 1000),
      scenarios,
    };
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
    fs.renameSync(`${file}.tmp`, file);
    for (const r of scenarios) printSummary(r);
    log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${signal}: stopping the services and dropping the benchmark database…`);
    stopAll().finally(() => process.exit(130));
  });
}

main().catch(async (err) => {
  console.error(err?.stack ?? err);
  await stopAll();
  process.exit(1);
});
