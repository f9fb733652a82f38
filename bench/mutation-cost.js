'use strict';
// One operation's throughput on the current checkout against a baseline commit: by default
// recordMetric, the cost of the mutation boundary (transaction + outbox + audit) on the hottest
// mutation; OPERATION=Q1|Q2|Q3 measures what a change cost a query (e.g. the hardening pipeline). Two complete stacks,
// one built from BASELINE_REF in a temporary worktree (or BASELINE_DIR), one from this checkout,
// measured in interleaved rounds. See docs/bench/mutation-cost.md.
const fs = require('node:fs');
const path = require('node:path');
const { startStack, testing } = require('./lib/stack');
const { SUBGRAPHS, compareCell } = require('./lib/compare');
const { runRounds, checkAll, backgroundLoad } = require('./lib/rounds');
const { idleCpu } = require('./lib/load');
const { prepareBaseline, describe } = require('./lib/baseline');
const { seedTenant } = require('./lib/tenant');
const { QUERIES, SERIES } = require('./queries');

const OPTIONS = {
  baselineRef: {
    env: 'BASELINE_REF',
    default: '',
    help: 'the commit (any git ref) to compare with: checked out into a temporary worktree, npm ci, npm run build, removed afterwards',
  },
  baselineDir: { env: 'BASELINE_DIR', default: '', help: 'instead of BASELINE_REF: an already built checkout to compare with (kept)' },
  operation: { env: 'OPERATION', default: 'M1', help: `which operation (${Object.keys(QUERIES).join(', ')}); M1 is recordMetric` },
  duration: { env: 'DURATION', default: 10, help: 'measured seconds per run (one side, one connection count)' },
  warmup: { env: 'WARMUP', default: 2, help: 'seconds of the same load, not measured, right before each run' },
  order: {
    env: 'ORDER',
    default: 'fixed',
    help: 'fixed: the measured side first in every round; alternate: first in odd rounds, second in even ones',
  },
  prime: { env: 'PRIME', default: 5, help: 'seconds of unmeasured load per target and operation before the first round (JIT warm-up)' },
  idle: { env: 'IDLE', default: 5, help: 'seconds with no load before the first run, to read what each process costs idle' },
  rounds: { env: 'ROUNDS', default: 3, help: 'rounds; each runs every connection count on current, then on baseline' },
  connections: { env: 'CONNECTIONS', default: '10,50', list: true, help: 'autocannon connections, comma-separated' },
  name: { env: 'RESULT_NAME', default: '', help: 'result file name (default: mutation-cost, with the non-default options appended)' },
  report: {
    env: 'REPORT',
    default: '',
    help: 'Markdown report path (default: docs/bench/mutation-cost.md for the default options, else bench/results/<name>.md)',
  },
};

function finishOptions(opts) {
  if (!opts.baselineRef === !opts.baselineDir)
    throw new Error('mutation-cost needs exactly one of BASELINE_REF=<git ref> or BASELINE_DIR=<built checkout>');
  opts.connections = opts.connections.map(Number);
  if (opts.connections.some((c) => !Number.isInteger(c) || c < 1 || c > 1000))
    throw new Error('CONNECTIONS must be integers from 1 to 1000');
  if (opts.rounds < 1 || opts.duration <= 0) throw new Error('ROUNDS must be at least 1 and DURATION positive');
  if (!['fixed', 'alternate'].includes(opts.order)) throw new Error('ORDER must be fixed or alternate');
  if (!QUERIES[opts.operation]) throw new Error(`OPERATION must be one of ${Object.keys(QUERIES).join(', ')}`);
  if (opts.baselineDir) {
    opts.baselineDir = path.resolve(opts.baselineDir);
    if (!fs.existsSync(path.join(opts.baselineDir, 'gateway', 'dist', 'main.js')))
      throw new Error(`${opts.baselineDir} is not a built checkout (no gateway/dist/main.js)`);
  }
}

/** mutation-cost for the default options (whatever the baseline), else with the options that differ. */
const resultName = (opts, generic) => generic('mutation-cost', opts, OPTIONS, ['baselineRef', 'baselineDir']);

/** Q3 reads a metric series: its points are seeded with the tenant. */
const seriesFor = (opts) => (opts.operation === 'Q3' ? SERIES : null);

async function run(opts, log) {
  const background = await backgroundLoad();
  log(`machine busy ${background}% of all cores before starting (others' load)`);
  let baseline;
  let current;
  let old;
  try {
    if (opts.baselineRef) baseline = { ...(await prepareBaseline(opts.baselineRef, log)), ref: opts.baselineRef, builtHere: true };
    else {
      let commit = { commit: null, subject: '(not a git checkout)' };
      try {
        commit = describe('HEAD', opts.baselineDir);
      } catch {}
      baseline = { dir: opts.baselineDir, ...commit, builtHere: false, remove: async () => {} };
    }
    log('starting the current stack and the baseline stack');
    current = await startStack({ label: 'bench-current' });
    old = await startStack({ label: 'bench-baseline', root: baseline.dir });
    log(`both up (gateways: current pid ${current.pids.gateway}, baseline pid ${old.pids.gateway}); seeding a tenant in each`);
    const tenants = {
      current: await seedTenant(current.url, { name: 'current', prompts: opts.operation === 'Q2' ? 20 : 0, series: seriesFor(opts) }),
      baseline: await seedTenant(old.url, { name: 'baseline', prompts: opts.operation === 'Q2' ? 20 : 0, series: seriesFor(opts) }),
    };

    const pids = {};
    for (const [side, stack] of [
      ['current', current],
      ['baseline', old],
    ]) {
      for (const name of ['gateway', ...SUBGRAPHS]) pids[`${side}:${name}`] = stack.pids[name];
    }
    const databases = { current: new URL(current.databaseUrl).pathname.slice(1), baseline: new URL(old.databaseUrl).pathname.slice(1) };
    const target = (side, stack, other) => ({
      name: side,
      url: stack.url,
      headers: () => testing().bearer(tenants[side].accessToken),
      tenant: tenants[side],
      roles: { ...Object.fromEntries(['gateway', ...SUBGRAPHS].map((n) => [n, `${side}:${n}`])), postgres: `postgres:${side}` },
      idle: ['gateway', ...SUBGRAPHS].map((n) => `${other}:${n}`),
    });
    const targets = [target('current', current, 'baseline'), target('baseline', old, 'current')];
    const operation = QUERIES[opts.operation];
    const ops = { [opts.operation === 'M1' ? 'recordMetric' : opts.operation]: operation };
    await checkAll(targets, ops);
    const idle = opts.idle > 0 ? await idleCpu({ pids, databases, seconds: opts.idle }) : null;
    if (idle)
      log(
        `idle for ${opts.idle}s: ${Object.entries(idle)
          .map(([k, v]) => `${k} ${v}%`)
          .join(', ')}`,
      );
    const runs = await runRounds({
      targets,
      ops,
      connections: opts.connections,
      rounds: opts.rounds,
      duration: opts.duration,
      warmup: opts.warmup,
      prime: opts.prime,
      order: opts.order,
      pids,
      databases,
      log,
    });
    const cells = opts.connections.map((c) => ({
      connections: c,
      ...compareCell(
        runs.filter((r) => r.connections === c),
        'current',
        'baseline',
      ),
    }));
    return {
      baseline: {
        ref: baseline.ref ?? null,
        commit: baseline.commit,
        subject: baseline.subject,
        builtHere: baseline.builtHere,
        dir: baseline.builtHere ? null : baseline.dir,
      },
      operation: { name: opts.operation, query: operation.query },
      backgroundMachineBusyPercent: background,
      idleCpuPercentOfOneCore: idle,
      cells,
      runs,
      logs: {
        current: Object.fromEntries(['gateway', ...SUBGRAPHS].map((n) => [n, current.logProblems(n)])),
        baseline: Object.fromEntries(['gateway', ...SUBGRAPHS].map((n) => [n, old.logProblems(n)])),
      },
    };
  } catch (err) {
    current?.markFailed();
    old?.markFailed();
    throw err;
  } finally {
    await current?.stop();
    await old?.stop();
    await baseline?.remove();
  }
}

module.exports = { run, OPTIONS, finishOptions, resultName };
