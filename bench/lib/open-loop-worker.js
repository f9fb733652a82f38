'use strict';
// The open-loop load generator, a process of its own (child_process.fork) so that /proc shows its
// CPU apart from the benchmark's. Requests are scheduled at t0 + i / rate whatever the responses
// do; latency runs from the scheduled time, so time spent waiting — for a connection, in the
// server's queue, in this process's event loop — all counts (no coordinated omission).
//
// Cheap per request by construction: the request bytes are built once; HTTP/1.1 keep-alive
// connections on node:net are opened on demand (up to a cap) and reused LIFO; responses go through
// a minimal parser (bench/lib/http1.js); one timer drives the schedule and one sweeps timeouts;
// reads land in one reused buffer (node:net's `onread`); per-request figures live in preallocated
// typed arrays. Every body is scanned for "errors" in place; every `checkEvery`-th is decoded and
// parsed in full.
const net = require('node:net');
const { ResponseParser } = require('./http1');
const { summarize } = require('./stats');

const now = () => performance.now();
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

const OK = 1;
const NON_2XX = 2;
const GRAPHQL_ERROR = 3;
const SOCKET_ERROR = 4;
const TIMEOUT = 5;
const UNFINISHED = 6;

/**
 * One run: `rate` requests/s for warmupMs + durationMs; only requests scheduled after the warm-up
 * count. Reports 'measureStart' and 'windowEnd' the moment they happen (the parent reads /proc
 * then), and returns the figures once the last response is in or drainMs have passed.
 */
function run(msg, event) {
  const { host, port, rate, warmupMs, durationMs, maxConnections, timeoutMs, drainMs, checkEvery } = msg;
  const request = Buffer.from(msg.request);
  const interval = 1000 / rate;
  const total = Math.floor((rate * (warmupMs + durationMs)) / 1000);
  const measuredFrom = Math.ceil((rate * warmupMs) / 1000);
  const t0 = now() + 5;
  const measureStart = t0 + warmupMs;
  const windowEnd = t0 + warmupMs + durationMs;
  const scheduled = (i) => t0 + i * interval;

  const latency = new Float64Array(total).fill(NaN);
  const sendLag = new Float64Array(total).fill(NaN);
  const outcome = new Uint8Array(total);
  const statusCodes = {};
  const errorSamples = [];
  const bodySamples = [];
  let checked = 0;
  let inWindow = 0;

  const idle = []; // LIFO: the busiest connections stay warm, the rest may be closed by the server
  const conns = new Set();
  const queue = []; // scheduled requests waiting for a connection (cap reached)
  let queueHead = 0;
  let maxQueued = 0;
  let opened = 0;
  let peak = 0;
  let next = 0;
  let finished = false;
  let windowEnded = false;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));

  const sample = (what) => {
    if (errorSamples.length < 5) errorSamples.push(String(what).slice(0, 500));
  };

  function settle(i, kind, at) {
    if (outcome[i]) return;
    outcome[i] = kind;
    latency[i] = at - scheduled(i);
    // Throughput: successful answers that arrived inside the window, whenever they were due.
    if (kind === OK && at >= measureStart && at <= windowEnd) inWindow++;
  }

  function onResponse(c, status, errorsSeen, body, close) {
    const at = now();
    const i = c.idx;
    c.idx = -1;
    if (i >= measuredFrom) statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    let kind = OK;
    if (status < 200 || status >= 300) {
      kind = NON_2XX;
      sample(`HTTP ${status}${body ? `: ${body.toString('utf8', 0, 300)}` : ''}`);
    } else if (body) {
      // The full check (every checkEvery-th): the body decodes as JSON with data and without errors.
      const text = body.toString('utf8');
      checked++;
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      if (!parsed || parsed.errors || !parsed.data) {
        kind = GRAPHQL_ERROR;
        sample(text);
      } else {
        bodySamples.push(text);
        if (bodySamples.length > 5) bodySamples.shift();
      }
    } else if (errorsSeen) {
      kind = GRAPHQL_ERROR;
      sample(`a body with "errors" (request ${i})`);
    }
    settle(i, kind, at);
    if (close) {
      drop(c);
      serveQueue();
    } else release(c);
  }

  function connect() {
    const c = { sock: null, idx: -1, sentAt: 0, alive: true, parser: null };
    c.parser = new ResponseParser((status, errorsSeen, body, close) => onResponse(c, status, errorsSeen, body, close));
    // `onread`: reads land in one buffer shared by all connections, handed over synchronously,
    // instead of a new Buffer and a stream 'data' event per read.
    const sock = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (n, buf) => {
          try {
            c.parser.feed(buf.subarray(0, n));
          } catch (err) {
            fail(c, `protocol: ${err.message}`);
          }
        },
      },
    });
    c.sock = sock;
    conns.add(c);
    opened++;
    if (conns.size > peak) peak = conns.size;
    sock.on('error', (err) => fail(c, err.code ?? err.message));
    sock.on('close', () => fail(c, 'closed by the server'));
    return c;
  }

  /** The connection is gone: its request (if any) is a socket error; waiting requests get a new one. */
  function fail(c, why) {
    if (!c.alive) return;
    if (c.idx >= 0) {
      sample(`socket: ${why}`);
      settle(c.idx, SOCKET_ERROR, now());
      c.idx = -1;
    }
    drop(c);
    serveQueue();
  }

  /** After a connection was lost: the oldest waiting request gets a new one. */
  function serveQueue() {
    if (queueHead < queue.length && !finished && conns.size < maxConnections) send(connect(), queue[queueHead++]);
    maybeDone();
  }

  function drop(c) {
    if (!c.alive) return;
    c.alive = false;
    conns.delete(c);
    const k = idle.lastIndexOf(c);
    if (k >= 0) idle.splice(k, 1);
    c.sock.destroy();
  }

  function send(c, i, fresh = false) {
    const at = now();
    c.idx = i;
    c.sentAt = at;
    // The generator's own lateness, for requests sent the moment they were dispatched (a request
    // that waited for a connection is late because of the target, not the generator).
    if (fresh) sendLag[i] = at - scheduled(i);
    c.parser.expect(i % checkEvery === 0);
    c.sock.write(request);
  }

  /** A connection is free: the oldest waiting request takes it, or it goes idle. */
  function release(c) {
    if (queueHead < queue.length && !finished) send(c, queue[queueHead++]);
    else if (c.alive) {
      idle.push(c);
      maybeDone();
    }
  }

  function dispatch(i) {
    const c = idle.pop() ?? (conns.size < maxConnections ? connect() : null);
    if (c) send(c, i, true);
    else {
      queue.push(i);
      if (queue.length - queueHead > maxQueued) maxQueued = queue.length - queueHead;
    }
  }

  let timer;
  function tick() {
    const t = now();
    while (next < total && scheduled(next) <= t) dispatch(next++);
    // Rounded up: a timer that fires early only costs another wake-up; late requests are counted as late.
    if (next < total) timer = setTimeout(tick, Math.ceil(scheduled(next) - now()));
    else maybeDone();
  }

  // Responses not back within timeoutMs of being sent: the connection is closed, the request counted.
  const sweeper = setInterval(() => {
    const t = now();
    for (const c of conns)
      if (c.idx >= 0 && t - c.sentAt > timeoutMs) {
        settle(c.idx, TIMEOUT, t);
        c.idx = -1;
        drop(c);
        serveQueue();
      }
  }, 100);

  function maybeDone() {
    if (finished || next < total || !windowEnded) return;
    for (const c of conns) if (c.idx >= 0) return;
    if (queueHead < queue.length) return;
    finish();
  }

  function finish() {
    if (finished) return;
    endWindow();
    finished = true;
    clearTimeout(timer);
    clearInterval(sweeper);
    clearTimeout(drainTimer);
    // Whatever is still waiting or in flight after the drain: latency at least this long.
    const t = now();
    for (const c of conns) if (c.idx >= 0) settle(c.idx, UNFINISHED, t);
    for (let k = queueHead; k < queue.length; k++) settle(queue[k], UNFINISHED, t);
    for (let k = next; k < total; k++) settle(k, UNFINISHED, t);
    for (const c of [...conns]) {
      c.idx = -1;
      drop(c);
    }
    resolveDone();
  }

  // The parent reads /proc on these two events: the window's end must be announced before the
  // result, even when the last response beats the timer.
  const endWindow = () => {
    if (windowEnded) return;
    windowEnded = true;
    event('windowEnd');
  };
  setTimeout(() => event('measureStart'), Math.max(0, measureStart - now()));
  setTimeout(
    () => {
      endWindow();
      maybeDone();
    },
    Math.max(0, windowEnd - now()),
  );
  const drainTimer = setTimeout(finish, windowEnd - now() + drainMs);
  timer = setTimeout(tick, Math.max(0, t0 - now()));

  return done.then(() => {
    const counts = { scheduled: total - measuredFrom, ok: 0, non2xx: 0, graphqlErrors: 0, socketErrors: 0, timeouts: 0, unfinished: 0 };
    const lat = [];
    const lag = [];
    for (let i = measuredFrom; i < total; i++) {
      lat.push(latency[i]);
      if (Number.isFinite(sendLag[i])) lag.push(sendLag[i]);
      const k = outcome[i];
      if (k === OK) counts.ok++;
      else if (k === NON_2XX) counts.non2xx++;
      else if (k === GRAPHQL_ERROR) counts.graphqlErrors++;
      else if (k === SOCKET_ERROR) counts.socketErrors++;
      else if (k === TIMEOUT) counts.timeouts++;
      else counts.unfinished++;
    }
    return {
      counts,
      okInWindow: inWindow,
      windowSeconds: durationMs / 1000,
      latencyMs: summarize(lat),
      sendLagMs: summarize(lag),
      connections: { opened, peak, cap: maxConnections },
      maxQueued,
      statusCodes,
      bodiesChecked: checked,
      bodySamples,
      errorSamples,
    };
  });
}

process.on('message', async (msg) => {
  try {
    const result = await run(msg, (name) => process.send({ id: msg.id, event: name }));
    process.send({ id: msg.id, ok: true, result });
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: err?.stack ?? String(err) });
  }
});
// The parent going away (crash, Ctrl-C) ends the generator too.
process.on('disconnect', () => process.exit(0));
