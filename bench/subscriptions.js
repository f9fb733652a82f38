'use strict';
// Gateway subscriptions: N graphql-ws clients subscribed at ONE gateway process, a publisher
// recording RATE events per second through the gateway, and per delivered event the latency from
// the publisher's send to the client's receive. See docs/bench/subscriptions.md.
const { fork } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');
const { createClient } = require('graphql-ws');
const WsWebSocket = require('ws');
const { startStack, platform, testing } = require('./lib/stack');
const { cpuSeconds, cpuByCommand, cpuDelta, rssBytes, machineCpu } = require('./lib/proc');
const { summarize, round } = require('./lib/stats');
const { collectGarbage, startProfiling } = require('./lib/inspector');
const { summarizeProfile } = require('./lib/profile');

/** The machine's monotonic clock in ms (CLOCK_MONOTONIC: comparable across processes). */
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MB = 2 ** 20;

const METRIC = 'bench';
const LIVE = `subscription { metricRecorded(name: "${METRIC}") { value at } }`;
const LIVE_WITH_USER = `subscription { metricRecorded(name: "${METRIC}") { value at recordedBy { email } } }`;
/**
 * `sessions`: "client" gives every client its own session (its own principal), so the gateway
 * cannot share anything between clients; "organization" gives all clients of an organization one
 * session (one token), the case the gateway shares: one upstream subscription and one execution
 * per event for all of them.
 */
const SCENARIOS = {
  fanout: {
    title: 'monitoring-only fields, a session per client',
    query: LIVE,
    clients: (o) => o.clients,
    sessions: 'client',
    entity: false,
  },
  'fanout-shared': {
    title: 'monitoring-only fields, one session per organization',
    query: LIVE,
    clients: (o) => o.clients,
    sessions: 'organization',
    entity: false,
  },
  cross: {
    title: 'recordedBy { email } from accounts, a session per client',
    query: LIVE_WITH_USER,
    clients: (o) => o.crossClients,
    sessions: 'client',
    entity: true,
  },
  'cross-shared': {
    title: 'recordedBy { email } from accounts, one session per organization',
    query: LIVE_WITH_USER,
    clients: (o) => o.crossClients,
    sessions: 'organization',
    entity: true,
  },
};
const RECORD = `mutation($i: RecordMetricInput!) { recordMetric(input: $i) { value } }`;

function forkWorker() {
  const child = fork(path.join(__dirname, 'lib', 'client-worker.js'), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let seq = 0;
  let exited = false;
  child.on('message', (m) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  });
  child.on('exit', (code, signal) => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`client worker exited (${code ?? signal})`));
    pending.clear();
  });
  return {
    pid: child.pid,
    call(msg) {
      if (exited) return Promise.reject(new Error('client worker has exited'));
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ ...msg, id });
      });
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}

async function waitFor(read, done, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await read();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await sleep(250);
  }
}

/**
 * RATE recordMetric mutations per second in total through the gateway, round-robin over the
 * organizations; each carries its send time (monotonic ms) as its value.
 */
function startPublisher(url, orgs, rate, events) {
  const interval = 1000 / rate;
  const started = now();
  const inflight = new Set();
  let seq = 0;
  let stopped = false;
  let timer;
  const tick = () => {
    if (stopped) return;
    const org = orgs[seq % orgs.length];
    const t0 = now();
    const event = {
      seq,
      org: org.index,
      t0,
      ok: false,
      error: null,
      responseMs: NaN,
      redisAt: NaN,
      probeAt: NaN,
      first: Infinity,
      last: -Infinity,
      count: 0,
    };
    events.set(t0, event);
    seq++;
    const p = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...testing().bearer(org.accessToken) },
      body: JSON.stringify({ query: RECORD, variables: { i: { name: METRIC, value: t0 } } }),
    })
      .then((res) => res.json())
      .then((body) => {
        event.responseMs = now() - t0;
        if (body.errors) event.error = JSON.stringify(body.errors);
        else event.ok = body.data?.recordMetric?.value === t0;
      })
      .catch((err) => (event.error = err.message))
      .finally(() => inflight.delete(p));
    inflight.add(p);
    timer = setTimeout(tick, Math.max(0, started + seq * interval - now()));
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...inflight]);
    },
  };
}

/** CPU seconds so far of every process that takes part. */
function cpuSnapshot(pids, shared = false) {
  const snap = { at: now(), machine: machineCpu(), processes: {} };
  // PostgreSQL and Redis serve the whole machine; read for the window only (a /proc scan).
  if (shared) snap.shared = { postgres: cpuByCommand(['postgres']), redis: cpuByCommand(['redis-server']) };
  for (const [name, pid] of Object.entries(pids))
    snap.processes[name] =
      name === 'bench'
        ? (() => {
            const u = process.cpuUsage();
            return (u.user + u.system) / 1e6;
          })()
        : cpuSeconds(pid);
  return snap;
}

async function memory(stack, names, gc) {
  if (gc) {
    await Promise.all(names.map((n) => collectGarbage(stack.inspectPorts[n])));
    await sleep(300);
  }
  const out = {};
  for (const n of names) {
    const metrics = await testing().scrapeMetrics(new URL('/metrics', stack.urls[n]).toString());
    out[n] = {
      rss: rssBytes(stack.pids[n]),
      heapUsed: metrics.nodejs_heap_size_used_bytes,
      external: metrics.nodejs_external_memory_bytes,
    };
  }
  return out;
}

async function runScenario(key, opts, log) {
  const sc = SCENARIOS[key];
  const clients = sc.clients(opts);
  const orgCount = Math.min(opts.orgs, clients);
  log(`scenario ${key} (${sc.title}): ${clients} clients, ${orgCount} organizations, ${opts.rate} events/s, ${opts.duration}s`);
  const stack = await startStack({ inspect: ['gateway', 'monitoring'], label: `bench-${key}` });
  const workers = [];
  const probes = [];
  let observer;
  let publisher;
  let profiler;
  try {
    log(`  stack up (gateway pid ${stack.pids.gateway}); onboarding ${orgCount} organizations`);
    const metricsUrl = new URL('/metrics', stack.url).toString();
    const gauges = async () => {
      const m = await testing().scrapeMetrics(metricsUrl);
      return { upstream: m.lattice_gateway_upstream_subscriptions, connections: m.lattice_gateway_websocket_connections };
    };
    const orgs = await Promise.all(
      Array.from({ length: orgCount }, async (_, index) => ({
        index,
        ...(await testing().onboard(stack.url, `bench-${key}-org${index}`)),
      })),
    );

    // A plain Redis subscriber on the same channels: when the monitoring subgraph's publish reached Redis.
    const events = new Map(); // value (= send time) → event
    observer = new Redis(stack.redisUrl);
    observer.on('message', (_channel, message) => {
      const at = now();
      try {
        const e = events.get(JSON.parse(message).value);
        if (e) e.redisAt = at;
      } catch {}
    });
    await observer.subscribe(...orgs.map((o) => `${stack.redisPrefix}metrics:${o.orgId}:${METRIC}`));

    const workerCount = opts.workers || Math.max(1, Math.ceil(clients / 1000));
    for (let i = 0; i < workerCount; i++) workers.push(forkWorker());
    const pids = {
      gateway: stack.pids.gateway,
      monitoring: stack.pids.monitoring,
      accounts: stack.pids.accounts,
      billing: stack.pids.billing,
      'ai-platform': stack.pids['ai-platform'],
      bench: process.pid,
    };
    workers.forEach((w, i) => (pids[`client-worker-${i}`] = w.pid));

    // The publisher alone first: what the mutations cost without subscribers (and a warm JIT).
    let baseline = null;
    if (opts.baseline > 0) {
      log(`  publisher alone for ${opts.baseline}s (no subscribers)`);
      const baselinePublisher = startPublisher(stack.url, orgs, opts.rate, events);
      await sleep(1000);
      const b0 = cpuSnapshot(pids);
      await sleep(opts.baseline * 1000);
      const b1 = cpuSnapshot(pids);
      await baselinePublisher.stop();
      const seconds = (b1.at - b0.at) / 1000;
      const sent = [...events.values()].filter((e) => e.t0 >= b0.at && e.t0 < b1.at && e.ok);
      baseline = {
        seconds: round(seconds, 2),
        cpuPercentOfOneCore: {},
        // The mutation path alone: recordMetric through the gateway, insert, PUBLISH.
        sendToRedisMs: summarize(sent.filter((e) => Number.isFinite(e.redisAt)).map((e) => e.redisAt - e.t0)),
        mutationResponseMs: summarize(sent.map((e) => e.responseMs)),
      };
      for (const name of ['gateway', 'monitoring', 'accounts'])
        baseline.cpuPercentOfOneCore[name] = round((100 * (b1.processes[name] - b0.processes[name])) / seconds, 1);
    }

    await sleep(1000);
    const before = await memory(stack, ['gateway', 'monitoring'], true);
    const gaugesBefore = await gauges();

    // Client i belongs to organization i mod orgs, as that organization's user. With a session
    // per client, each gets an access token of its own session (a distinct sid, hence a distinct
    // principal), signed with the stack's key the way accounts signs them: what 1,000 logIns
    // would give, without 1,000 argon2 verifications in accounts.
    const clientOrg = Array.from({ length: clients }, (_, i) => i % orgCount);
    const perOrg = orgs.map((o) => clientOrg.filter((x) => x === o.index).length);
    const { AccessTokenSigner } = platform();
    const signer = await AccessTokenSigner.fromPem(stack.keys.privateKey, 3600);
    const tokens = await Promise.all(
      clientOrg.map(async (org) => {
        if (sc.sessions === 'organization') return orgs[org].accessToken;
        const {
          sub,
          org: active,
          role,
          memberships,
        } = JSON.parse(Buffer.from(orgs[org].accessToken.split('.')[1], 'base64url').toString());
        return signer.sign({ sub, sid: randomUUID(), org: active, role, memberships });
      }),
    );
    const principals = new Set(tokens.map((t) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()).sid)).size;
    log(`  connecting ${clients} clients from ${workerCount} worker process(es), ${opts.connectBatch} at a time`);
    const connectStarted = now();
    const connected = await Promise.all(
      workers.map((w, k) =>
        w.call({
          cmd: 'connect',
          url: stack.url,
          query: sc.query,
          entity: sc.entity,
          batch: opts.connectBatch,
          specs: tokens.map((token, index) => ({ index, token })).filter((_, i) => i % workerCount === k),
        }),
      ),
    );
    const connectFailed = connected.reduce((n, c) => n + c.failed, 0);
    const acknowledgedMs = now() - connectStarted;
    // Identical subscriptions of one principal share an upstream one: expect one per session.
    const subscribedGauges = await waitFor(
      gauges,
      (g) => g.connections === clients && g.upstream >= principals,
      60_000,
      `${clients} connections and ${principals} upstream subscriptions`,
    );
    const subscribedMs = now() - connectStarted;
    log(
      `  ${clients} connections acknowledged in ${(acknowledgedMs / 1000).toFixed(1)}s; ${subscribedGauges.upstream} upstream subscriptions open after ${(subscribedMs / 1000).toFixed(1)}s`,
    );
    await sleep(1000);
    const subscribed = await memory(stack, ['gateway', 'monitoring'], true);

    // Direct subscribers on the monitoring subgraph, one per organization, subscribed after every
    // gateway upstream subscription: the time monitoring has emitted an event on all of them.
    const { signPrincipal, principalFromAccessClaims } = platform();
    for (const org of orgs) {
      const claims = JSON.parse(Buffer.from(org.accessToken.split('.')[1], 'base64url').toString());
      const principal = await signPrincipal(principalFromAccessClaims(claims), stack.internalTokenSecret);
      const client = createClient({
        url: stack.urls.monitoring.replace(/^http/, 'ws'),
        webSocketImpl: WsWebSocket,
        connectionParams: { principal },
        lazy: true,
        retryAttempts: 0,
      });
      client.subscribe(
        { query: `subscription { metricRecorded(name: "${METRIC}") { value } }` },
        {
          next: (r) => {
            const at = now();
            const e = events.get(r.data?.metricRecorded?.value);
            if (e) e.probeAt = at;
          },
          error: () => {},
          complete: () => {},
        },
      );
      probes.push(client);
    }
    await sleep(500);

    log(`  publishing ${opts.rate} events/s; warm-up until every client has had an event (at least ${opts.warmup}s)`);
    publisher = startPublisher(stack.url, orgs, opts.rate, events);
    const warmupStarted = now();
    await sleep(opts.warmup * 1000);
    // Then until every client has had an event and the start-up backlog has drained: the p99 of
    // the last second's deliveries under SETTLE_MS (at most 30 s more; the result says if not).
    const workerStatus = async () => {
      const all = await Promise.all(workers.map((w) => w.call({ cmd: 'status' })));
      const recent = all.flatMap((x) => x.recentLatencies);
      return { withEvents: all.reduce((n, x) => n + x.withEvents, 0), recentP99: summarize(recent).p99 ?? null, recent: recent.length };
    };
    const warmupTrace = [];
    const warmupEnd = await waitFor(
      async () => {
        const st = await workerStatus();
        warmupTrace.push({ second: round((now() - warmupStarted) / 1000, 1), withEvents: st.withEvents, lastSecondP99: st.recentP99 });
        return st;
      },
      (st) => st.withEvents === clients && st.recent > 0 && st.recentP99 <= opts.settleMs,
      30_000,
      'the warm-up to settle',
    ).catch((err) => {
      log(`  ${err.message.slice(0, 200)}; measuring anyway`);
      return null;
    });
    const warmup = {
      seconds: round((now() - warmupStarted) / 1000, 1),
      settled: warmupEnd !== null,
      settleMs: opts.settleMs,
      // One sample a second is enough to see the start-up backlog.
      trace: warmupTrace.filter((_, i) => i % 4 === 0),
    };
    log(`  warm-up took ${warmup.seconds}s${warmup.settled ? '' : ' (did not settle)'}`);

    if (opts.profile) profiler = await startProfiling(stack.inspectPorts.gateway);
    await testing().scrapeMetrics(metricsUrl); // resets the gateway's event-loop-delay histogram
    const cpu0 = cpuSnapshot(pids, true);
    const series = [];
    let prev = cpu0;
    const sampler = setInterval(() => {
      const cur = cpuSnapshot(pids);
      const dt = (cur.at - prev.at) / 1000;
      series.push({
        second: Math.round((cur.at - cpu0.at) / 1000),
        gatewayCpuPercent: round((100 * (cur.processes.gateway - prev.processes.gateway)) / dt, 1),
        monitoringCpuPercent: round((100 * (cur.processes.monitoring - prev.processes.monitoring)) / dt, 1),
        machineBusyPercent: round((100 * (cur.machine.busy - prev.machine.busy)) / (cur.machine.total - prev.machine.total), 1),
        gatewayRssMB: round(rssBytes(stack.pids.gateway) / MB, 1),
      });
      prev = cur;
    }, 1000);
    log(`  measuring ${opts.duration}s`);
    await sleep(opts.duration * 1000);
    const cpu1 = cpuSnapshot(pids, true);
    clearInterval(sampler);
    const endMetrics = await testing().scrapeMetrics(metricsUrl);
    let profileSummary;
    if (profiler) {
      const profile = await profiler.stop();
      const dir = path.join(os.tmpdir(), 'lattice-bench-profiles');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `gateway-${key}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      profileSummary = summarizeProfile(file, { inclusive: opts.profileFrames });
      log(`  gateway CPU profile of the window: ${file}`);
    }
    const endGauges = {
      upstream: endMetrics.lattice_gateway_upstream_subscriptions,
      connections: endMetrics.lattice_gateway_websocket_connections,
    };
    await publisher.stop();
    await sleep(opts.grace * 1000);
    const end = await memory(stack, ['gateway', 'monitoring'], false);
    // And after a full GC, with the clients still subscribed: what the window left live.
    const endCollected = await memory(stack, ['gateway', 'monitoring'], true);

    const collected = await Promise.all(workers.map((w) => w.call({ cmd: 'collect' })));
    log('  disconnecting clients');
    const closeStarted = now();
    await Promise.all(workers.map((w) => w.call({ cmd: 'close' })));
    const afterClose = await waitFor(gauges, (g) => g.upstream === 0 && g.connections === 0, 20_000, 'gauges back to 0').catch(
      async (err) => {
        log(`  ${err.message}`);
        return gauges();
      },
    );
    const drainMs = now() - closeStarted;

    // ---- figures
    const mStart = cpu0.at;
    const mEnd = cpu1.at;
    const all = [...events.values()];
    const measured = all.filter((e) => e.t0 >= mStart && e.t0 < mEnd);
    const publishedOk = measured.filter((e) => e.ok);
    const expected = publishedOk.reduce((n, e) => n + perOrg[e.org], 0);
    const latency = [];
    const redisToClient = [];
    const probeToClient = [];
    const perSecond = new Map();
    const seen = new Set();
    let delivered = 0;
    let duplicates = 0;
    let otherTenant = 0;
    let unknown = 0;
    for (const c of collected) {
      for (let i = 0; i < c.value.length; i++) {
        const e = events.get(c.value[i]);
        if (!e) {
          unknown++;
          continue;
        }
        if (e.t0 < mStart || e.t0 >= mEnd) continue;
        const client = c.client[i];
        if (clientOrg[client] !== e.org) otherTenant++;
        const id = e.seq * clients + client;
        if (seen.has(id)) {
          duplicates++;
          continue;
        }
        seen.add(id);
        delivered++;
        const at = c.at[i];
        const ms = at - e.t0;
        latency.push(ms);
        if (Number.isFinite(e.redisAt)) redisToClient.push(at - e.redisAt);
        if (Number.isFinite(e.probeAt)) probeToClient.push(at - e.probeAt);
        e.first = Math.min(e.first, at);
        e.last = Math.max(e.last, at);
        e.count++;
        const s = Math.floor((e.t0 - mStart) / 1000);
        if (!perSecond.has(s)) perSecond.set(s, []);
        perSecond.get(s).push(ms);
      }
    }
    const withRedis = publishedOk.filter((e) => Number.isFinite(e.redisAt));
    const complete = publishedOk.filter((e) => e.count === perOrg[e.org]);
    const wall = (mEnd - mStart) / 1000;
    const cpu = {};
    for (const name of Object.keys(pids)) cpu[name] = round((100 * (cpu1.processes[name] - cpu0.processes[name])) / wall, 1);
    for (const name of Object.keys(cpu0.shared)) cpu[name] = round((100 * cpuDelta(cpu0.shared[name], cpu1.shared[name])) / wall, 1);
    const gatewayCpuSeconds = cpu1.processes.gateway - cpu0.processes.gateway;
    const monitoringCpuSeconds = cpu1.processes.monitoring - cpu0.processes.monitoring;
    const workerErrors = collected.reduce(
      (s, c) => ({
        eventErrors: s.eventErrors + c.eventErrors,
        subscriptionErrors: s.subscriptionErrors + c.subscriptionErrors,
        completed: s.completed + c.completed,
        closedEarly: s.closedEarly + c.closedEarly,
        missingEntity: s.missingEntity + c.missingEntity,
        samples: [...s.samples, ...c.errorSamples].slice(0, 5),
      }),
      { eventErrors: 0, subscriptionErrors: 0, completed: 0, closedEarly: 0, missingEntity: 0, samples: [] },
    );
    const mem = (n) => ({
      rssBeforeMB: round(before[n].rss / MB, 1),
      rssSubscribedMB: round(subscribed[n].rss / MB, 1),
      rssEndMB: round(end[n].rss / MB, 1),
      rssPerConnectionKB: round((subscribed[n].rss - before[n].rss) / 1024 / clients, 1),
      heapUsedBeforeMB: round(before[n].heapUsed / MB, 1),
      heapUsedSubscribedMB: round(subscribed[n].heapUsed / MB, 1),
      heapUsedEndMB: round(end[n].heapUsed / MB, 1),
      heapPerConnectionKB: round((subscribed[n].heapUsed - before[n].heapUsed) / 1024 / clients, 1),
      rssEndAfterGcMB: round(endCollected[n].rss / MB, 1),
      heapUsedEndAfterGcMB: round(endCollected[n].heapUsed / MB, 1),
    });
    return {
      scenario: key,
      title: sc.title,
      query: sc.query,
      clients,
      sessions: sc.sessions,
      principals,
      organizations: orgCount,
      clientsPerOrganization: perOrg,
      eventsPerSecond: opts.rate,
      eventsPerSecondPerOrganization: round(opts.rate / orgCount, 2),
      expectedDeliveriesPerSecond: round(expected / wall, 0),
      durationSeconds: round(wall, 2),
      warmup,
      graceSeconds: opts.grace,
      clientWorkers: workerCount,
      connect: {
        batch: opts.connectBatch,
        acknowledgedSeconds: round(acknowledgedMs / 1000, 2),
        upstreamOpenSeconds: round(subscribedMs / 1000, 2),
        connectionsPerSecond: round(clients / (subscribedMs / 1000), 0),
        failed: connectFailed,
      },
      events: {
        published: measured.length,
        publishFailed: measured.length - publishedOk.length,
        publishErrorSample: measured.find((e) => e.error)?.error ?? null,
        seenOnRedis: withRedis.length,
        deliveredToEveryClient: complete.length,
      },
      deliveries: {
        expected,
        delivered,
        lost: expected - delivered,
        duplicates,
        otherTenant,
        unknownValues: unknown,
        ...workerErrors,
      },
      latencyMs: summarize(latency),
      breakdownMs: {
        sendToRedis: summarize(withRedis.map((e) => e.redisAt - e.t0)),
        redisToMonitoringDone: summarize(
          publishedOk.filter((e) => Number.isFinite(e.redisAt) && Number.isFinite(e.probeAt)).map((e) => e.probeAt - e.redisAt),
        ),
        redisToClient: summarize(redisToClient),
        sendToLastClientOfEvent: summarize(complete.map((e) => e.last - e.t0)),
        firstToLastClientOfEvent: summarize(complete.map((e) => e.last - e.first)),
        mutationResponse: summarize(publishedOk.map((e) => e.responseMs)),
      },
      cpuPercentOfOneCore: cpu,
      machineBusyPercentOfAllCores: round((100 * (cpu1.machine.busy - cpu0.machine.busy)) / (cpu1.machine.total - cpu0.machine.total), 1),
      publisherOnly: baseline,
      gatewayCpuMicrosecondsPerDelivery: round((gatewayCpuSeconds * 1e6) / Math.max(1, delivered), 1),
      gatewayCpuMicrosecondsPerDeliveryBeyondPublisher: baseline
        ? round(((gatewayCpuSeconds - (baseline.cpuPercentOfOneCore.gateway / 100) * wall) * 1e6) / Math.max(1, delivered), 1)
        : null,
      monitoringCpuMicrosecondsPerDelivery: round((monitoringCpuSeconds * 1e6) / Math.max(1, delivered), 1),
      memory: {
        gateway: mem('gateway'),
        monitoring: mem('monitoring'),
        note: 'before, subscribed and endAfterGc after a forced full GC (inspector); end (just after the window) without',
      },
      gauges: {
        beforeClients: gaugesBefore,
        subscribed: subscribedGauges,
        endOfWindow: endGauges,
        afterDisconnect: { ...afterClose, drainSeconds: round(drainMs / 1000, 2) },
      },
      gatewayEventLoopDelayMs: {
        note: "prom-client's nodejs_eventloop_lag_* over the window; it samples at 10 ms resolution, so about 10 ms is the floor",
        p50: round(endMetrics.nodejs_eventloop_lag_p50_seconds * 1000, 2),
        p99: round(endMetrics.nodejs_eventloop_lag_p99_seconds * 1000, 2),
        max: round(endMetrics.nodejs_eventloop_lag_max_seconds * 1000, 2),
      },
      perSecond: [...perSecond]
        .sort((a, b) => a[0] - b[0])
        .map(([s, l]) => {
          // The CPU/RSS sample taken at the end of this second of the window.
          const { second: _, ...sampled } = series.find((x) => x.second === s + 1) ?? {};
          const stats = summarize(l);
          return { second: s, delivered: l.length, p50: stats.p50, p99: stats.p99, ...sampled };
        }),
      logs: { gateway: stack.logProblems('gateway'), monitoring: stack.logProblems('monitoring'), accounts: stack.logProblems('accounts') },
      ...(profileSummary ? { gatewayProfile: profileSummary } : {}),
    };
  } catch (err) {
    stack.markFailed();
    throw err;
  } finally {
    await publisher?.stop().catch(() => undefined);
    await profiler?.stop().catch(() => undefined);
    await Promise.allSettled(probes.map((p) => p.dispose()));
    observer?.disconnect();
    for (const w of workers) w.kill();
    await stack.stop();
  }
}

async function run(opts, log) {
  const results = [];
  for (const key of opts.scenarios) {
    if (!SCENARIOS[key]) throw new Error(`unknown scenario ${key} (known: ${Object.keys(SCENARIOS).join(', ')})`);
    if (SCENARIOS[key].clients(opts) <= 0) continue;
    results.push(await runScenario(key, opts, log));
  }
  return results;
}

module.exports = { run, SCENARIOS };
