'use strict';
// A load-generator process (child_process.fork): holds graphql-ws clients subscribed at the
// gateway and timestamps every event on arrival with the machine's monotonic clock
// (process.hrtime = CLOCK_MONOTONIC, the same clock in every process), so the parent can compute
// event-to-client latency from the send time the publisher put into the event's value.
const { createClient } = require('graphql-ws');
const WsWebSocket = require('ws');

const now = () => Number(process.hrtime.bigint()) / 1e6;

const clients = [];
let size = 0;
let capacity = 1 << 16;
let recvClient = new Uint32Array(capacity);
let recvValue = new Float64Array(capacity);
let recvAt = new Float64Array(capacity);
const errorSamples = [];
const counts = { eventErrors: 0, subscriptionErrors: 0, completed: 0, closedEarly: 0, missingEntity: 0 };

function record(index, value, at) {
  if (size === capacity) {
    capacity *= 2;
    const c = new Uint32Array(capacity);
    c.set(recvClient);
    recvClient = c;
    const v = new Float64Array(capacity);
    v.set(recvValue);
    recvValue = v;
    const a = new Float64Array(capacity);
    a.set(recvAt);
    recvAt = a;
  }
  recvClient[size] = index;
  recvValue[size] = value;
  recvAt[size] = at;
  size++;
}

const sample = (what) => {
  if (errorSamples.length < 10) errorSamples.push(typeof what === 'string' ? what : JSON.stringify(what));
};

function open(url, spec, query, entity) {
  const state = { index: spec.index, events: 0, connected: false, client: null, dispose: null };
  let settle;
  const connected = new Promise((resolve) => (settle = resolve));
  state.client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WsWebSocket,
    connectionParams: { authorization: `Bearer ${spec.token}` },
    lazy: true,
    retryAttempts: 0,
    on: {
      connected: () => {
        state.connected = true;
        settle(true);
      },
      closed: (event) => {
        if (!state.connected) settle(false);
        else if (!state.disposing) {
          counts.closedEarly++;
          sample({ closed: event?.code, reason: event?.reason });
        }
      },
    },
  });
  state.dispose = state.client.subscribe(
    { query },
    {
      next: (result) => {
        const at = now();
        const value = result.data?.metricRecorded?.value;
        if (result.errors) {
          counts.eventErrors++;
          sample(result.errors);
        }
        // The cross-subgraph scenario selects recordedBy { email }: it must be filled in.
        if (entity && typeof result.data?.metricRecorded?.recordedBy?.email !== 'string') counts.missingEntity++;
        if (typeof value === 'number') {
          state.events++;
          record(state.index, value, at);
        }
      },
      error: (err) => {
        counts.subscriptionErrors++;
        sample(Array.isArray(err) ? err : { code: err?.code, reason: err?.reason, message: err?.message });
      },
      complete: () => {
        counts.completed++;
      },
    },
  );
  return { state, connected };
}

const handlers = {
  /** Connect the given clients, `batch` at a time, each subscribing `query` at once. */
  async connect({ url, query, entity, specs, batch }) {
    const started = now();
    let failed = 0;
    for (let i = 0; i < specs.length; i += batch) {
      const opened = specs.slice(i, i + batch).map((spec) => open(url, spec, query, entity));
      for (const o of opened) clients.push(o.state);
      const results = await Promise.all(
        opened.map((o) => Promise.race([o.connected, new Promise((r) => setTimeout(() => r(false), 30_000))])),
      );
      failed += results.filter((ok) => !ok).length;
    }
    return { ms: now() - started, failed };
  },
  /** How many clients have had an event, and the latencies (now − value) of the last second. */
  status() {
    let withEvents = 0;
    for (const c of clients) if (c.events > 0) withEvents++;
    const cutoff = now() - 1000;
    const recent = [];
    for (let i = size - 1; i >= 0 && recvAt[i] >= cutoff; i--) recent.push(recvAt[i] - recvValue[i]);
    return { clients: clients.length, withEvents, received: size, recentLatencies: recent, ...counts };
  },
  collect() {
    return {
      client: recvClient.slice(0, size),
      value: recvValue.slice(0, size),
      at: recvAt.slice(0, size),
      errorSamples,
      ...counts,
    };
  },
  async close() {
    const started = now();
    for (const c of clients) c.disposing = true;
    await Promise.allSettled(clients.map((c) => c.client.dispose()));
    return { ms: now() - started };
  },
};

process.on('message', async (msg) => {
  try {
    const result = await handlers[msg.cmd](msg);
    process.send({ id: msg.id, ok: true, result });
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: err?.stack ?? String(err) });
  }
});
// The parent going away (crash, Ctrl-C) ends the worker too.
process.on('disconnect', () => process.exit(0));
