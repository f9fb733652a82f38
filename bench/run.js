#!/usr/bin/env node
'use strict';
// `npm run bench` (builds first): runs benchmarks against real processes and writes
// bench/results/<name>.json, and for the HTTP benchmarks a Markdown report. Not part of
// `npm test`. With no benchmark named it runs the subscription benchmark; name others with
// `npm run bench -- queries` or `BASELINE_REF=<sha> npm run bench -- mutation-cost`. Options come
// from the environment or the command line (`npm run bench -- --clients=200 --duration=10`);
// each benchmark has its own (`node bench/run.js <benchmark> --help`). See bench/README.md.
const fs = require('node:fs');
const path = require('node:path');
const { stopAll } = require('./lib/stack');
const { machine } = require('./lib/proc');

/** What `npm run bench` runs when no benchmark is named. */
const DEFAULT_BENCHMARKS = ['subscriptions'];

const SUBSCRIPTION_OPTIONS = {
  clients: { env: 'CLIENTS', default: 1000, help: 'subscribed clients in the fanout scenarios' },
  crossClients: {
    env: 'CROSS_CLIENTS',
    default: 100,
    help: 'subscribed clients in the cross scenarios (recordedBy from accounts; 0 skips them)',
  },
  rate: { env: 'RATE', default: 20, help: 'events published per second in total (round-robin over the organizations)' },
  duration: { env: 'DURATION', default: 30, help: 'measured seconds per scenario' },
  warmup: { env: 'WARMUP', default: 5, help: 'seconds of publishing before the window (and until every client has had an event)' },
  settleMs: { env: 'SETTLE_MS', default: 250, help: 'the warm-up goes on until the p99 latency of the last second is under this' },
  orgs: { env: 'ORGS', default: 10, help: 'organizations the clients are spread over' },
  baseline: {
    env: 'BASELINE',
    default: 3,
    help: 'seconds of publishing with no subscriber first, to measure what the mutations alone cost',
  },
  grace: { env: 'GRACE', default: 2, help: 'seconds after the window for the last events to arrive' },
  workers: { env: 'WORKERS', default: 0, help: 'client worker processes (0: one per 1,000 clients)' },
  connectBatch: { env: 'CONNECT_BATCH', default: 50, help: 'clients connecting at once per worker' },
  scenarios: {
    env: 'SCENARIOS',
    default: 'fanout,fanout-shared,cross',
    help: 'which scenarios, comma-separated (fanout, fanout-shared, cross, cross-shared)',
  },
  profile: { env: 'PROFILE', default: 0, help: '1: CPU-profile the gateway during the window (slower; separate result file)' },
  name: { env: 'RESULT_NAME', default: '', help: 'result file name (default: subscriptions, with the non-default options appended)' },
};

/**
 * Every benchmark: its options, how its options are finished and checked, the name of its result
 * file, what its result file says besides the benchmark's own output, its console summary, and
 * (for the HTTP benchmarks) its Markdown report.
 */
const BENCHMARKS = {
  subscriptions: {
    load: () => require('./subscriptions'),
    options: () => SUBSCRIPTION_OPTIONS,
    finish: (opts) => {
      opts.scenarios = String(opts.scenarios)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
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
    },
    resultName: subscriptionResultName,
    describe: (scenarios) => ({
      loadGenerator:
        'The clients, the publisher and PostgreSQL/Redis run on the same machine as the gateway and the subgraphs: they compete for the same cores.',
      clock: 'process.hrtime (CLOCK_MONOTONIC, shared by all processes of the machine), ms',
      scenarios,
    }),
    summary: (result) => result.scenarios.forEach(printSummary),
  },
  queries: {
    load: () => require('./queries'),
    options: () => require('./queries').OPTIONS,
    describe: (body) => ({
      loadGenerator:
        'Closed loop: autocannon in the benchmark process; open loop: bench/lib/open-loop-worker.js, a process of its own. Both on the same machine as the gateways, the subgraphs, PostgreSQL and Redis: they compete for the same cores.',
      ...body,
    }),
    summary: (result) => require('./lib/report').printQueriesSummary(result),
    report: (result) => require('./lib/report').queriesReport(result),
  },
  'mutation-cost': {
    load: () => require('./mutation-cost'),
    options: () => require('./mutation-cost').OPTIONS,
    finish: (opts) => require('./mutation-cost').finishOptions(opts),
    resultName: (opts) => require('./mutation-cost').resultName(opts, genericResultName),
    describe: (body) => ({
      loadGenerator:
        'autocannon runs in the benchmark process on the same machine as both stacks, PostgreSQL and Redis: they compete for the same cores.',
      ...body,
    }),
    summary: (result) => require('./lib/report').printMutationCostSummary(result),
    report: (result) => require('./lib/report').mutationCostReport(result),
  },
};

const camel = (flag) => flag.replace(/-(\w)/g, (_, c) => c.toUpperCase());

function parseOptions(argv, env) {
  const cli = {};
  const positional = [];
  let help = false;
  for (const arg of argv) {
    const m = arg.match(/^--([\w-]+)(?:=(.*))?$/);
    if (!m) positional.push(arg);
    else if (m[1] === 'help') help = true;
    else cli[camel(m[1])] = m[2] ?? '1';
  }
  const benchmarks = positional.length ? positional : DEFAULT_BENCHMARKS;
  for (const b of benchmarks) if (!BENCHMARKS[b]) throw new Error(`unknown benchmark ${b} (known: ${Object.keys(BENCHMARKS).join(', ')})`);
  const known = new Set(benchmarks.flatMap((b) => Object.keys(BENCHMARKS[b].options())));
  for (const key of Object.keys(cli))
    if (!known.has(key))
      throw new Error(`unknown option --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} for ${benchmarks.join(', ')}`);
  const perBenchmark = {};
  if (!help) {
    for (const b of benchmarks) {
      const opts = {};
      for (const [key, o] of Object.entries(BENCHMARKS[b].options())) {
        const raw = cli[key] ?? env[o.env];
        if (raw === undefined || raw === '') opts[key] = o.default;
        else if (typeof o.default === 'number') {
          const n = Number(raw);
          if (!Number.isFinite(n) || n < 0) throw new Error(`${o.env} must be a non-negative number, got ${raw}`);
          opts[key] = n;
        } else opts[key] = raw;
        if (o.list)
          opts[key] = String(opts[key])
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
      }
      BENCHMARKS[b].finish?.(opts);
      perBenchmark[b] = opts;
    }
  }
  return { help, benchmarks, perBenchmark };
}

/** The option as its environment variable holds it. */
const envValue = (opts, key) =>
  Array.isArray(opts[key]) ? opts[key].join(',') : typeof opts[key] === 'boolean' ? Number(opts[key]) : opts[key];

/** `<benchmark>` for the defaults; otherwise with the options that differ, e.g. queries-duration3-rounds1. */
function genericResultName(benchmark, opts, options, skip = []) {
  if (opts.name) return opts.name;
  const parts = [benchmark];
  for (const [key, o] of Object.entries(options)) {
    if (['name', 'report', ...skip].includes(key)) continue;
    const v = String(envValue(opts, key));
    if (v !== String(o.default)) parts.push(`${key}${v.replace(/,/g, '+')}`);
  }
  return parts.join('-');
}

/** `subscriptions` for the defaults; otherwise the options that differ, e.g. subscriptions-clients2000-rate50. */
function subscriptionResultName(opts) {
  if (opts.name) return opts.name;
  const parts = ['subscriptions'];
  for (const [key, o] of Object.entries(SUBSCRIPTION_OPTIONS)) {
    if (['name', 'profile', 'scenarios'].includes(key)) continue;
    if (opts[key] !== o.default) parts.push(`${key}${opts[key]}`);
  }
  if (opts.scenarios.join(',') !== SUBSCRIPTION_OPTIONS.scenarios.default) parts.push(opts.scenarios.join('+'));
  if (opts.profile) parts.push('profile');
  return parts.join('-');
}

/** The commit measured, and whether the working tree differed from it (bench/ aside). */
function gitState() {
  const { execFileSync } = require('node:child_process');
  try {
    const git = (...args) => execFileSync('git', args, { cwd: path.join(__dirname, '..'), encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', '.', ':!bench', ':!docs/bench').split('\n').filter(Boolean);
    return {
      commit: git('rev-parse', 'HEAD'),
      subject: git('log', '-1', '--format=%s'),
      branch: git('rev-parse', '--abbrev-ref', 'HEAD'),
      uncommittedChanges: changed,
    };
  } catch {
    return null;
  }
}

/** The command that reproduces this run: the non-default options as environment variables. */
function commandLine(benchmark, opts) {
  const env = Object.entries(BENCHMARKS[benchmark].options())
    .filter(([key, o]) => String(envValue(opts, key)) !== String(o.default))
    .map(([key, o]) => `${o.env}=${envValue(opts, key)} `)
    .join('');
  return `${env}npm run bench${DEFAULT_BENCHMARKS.length === 1 && benchmark === DEFAULT_BENCHMARKS[0] ? '' : ` -- ${benchmark}`}`;
}

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

function printHelp(benchmarks) {
  console.log('node bench/run.js [benchmark...] [--option=value...]');
  console.log(`benchmarks: ${Object.keys(BENCHMARKS).join(', ')} (default: ${DEFAULT_BENCHMARKS.join(', ')})`);
  for (const b of benchmarks) {
    console.log(`\n${b}:`);
    for (const [key, o] of Object.entries(BENCHMARKS[b].options())) {
      console.log(`  --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}  ${o.env}=${o.default}  ${o.help}`);
    }
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const { help, benchmarks, perBenchmark } = parseOptions(argv, process.env);
  if (help) {
    printHelp(argv.some((a) => !a.startsWith('--')) ? benchmarks : Object.keys(BENCHMARKS));
    return;
  }
  const started = Date.now();
  const log = (msg) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}`);
  for (const benchmark of benchmarks) {
    const b = BENCHMARKS[benchmark];
    const opts = perBenchmark[benchmark];
    const name = b.resultName ? b.resultName(opts) : genericResultName(benchmark, opts, b.options());
    log(`benchmark ${benchmark} → bench/results/${name}.json`);
    const benchStarted = Date.now();
    const body = await b.load().run(opts, log);
    const { profileFrames: _p, ...options } = opts;
    const result = {
      benchmark,
      date: new Date().toISOString(),
      command: commandLine(benchmark, opts),
      options,
      git: gitState(),
      machine: machine(),
      totalSeconds: Math.round((Date.now() - benchStarted) / 1000),
      ...b.describe(body),
    };
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.json`);
    writeAtomically(file, `${JSON.stringify(result, null, 2)}\n`);
    b.summary(result);
    log(`wrote ${path.relative(process.cwd(), file)}`);
    if (b.report) {
      // The default options' report is the one under docs/; other runs keep theirs next to the JSON.
      const reportFile = opts.report
        ? path.resolve(opts.report)
        : name === benchmark
          ? path.join(__dirname, '..', 'docs', 'bench', `${benchmark}.md`)
          : path.join(dir, `${name}.md`);
      writeAtomically(reportFile, b.report({ ...result, resultFile: path.relative(path.join(__dirname, '..'), file) }));
      log(`wrote ${path.relative(process.cwd(), reportFile)}`);
    }
  }
}

function writeAtomically(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${signal}: stopping the services and dropping the benchmark database…`);
    Promise.allSettled([stopAll(), require('./lib/baseline').removeAll()]).finally(() => process.exit(130));
  });
}

main().catch(async (err) => {
  console.error(err?.stack ?? err);
  await stopAll();
  await require('./lib/baseline').removeAll();
  process.exit(1);
});
