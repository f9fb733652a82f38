'use strict';
// A minimal Chrome DevTools Protocol session to a service started with --inspect: force a full
// garbage collection before memory is read, and CPU-profile exactly the measured window.
const WsWebSocket = require('ws');

async function connectInspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const ws = new WsWebSocket(targets[0].webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 2 ** 30 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let seq = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    const p = msg.id !== undefined && pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
    else p.resolve(msg.result);
  });
  ws.on('close', () => {
    for (const p of pending.values()) p.reject(new Error(`inspector closed during ${p.method}`));
    pending.clear();
  });
  return {
    send(method, params = {}) {
      if (ws.readyState !== WsWebSocket.OPEN) return Promise.reject(new Error(`inspector session closed before ${method}`));
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, method });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    close() {
      ws.close();
    },
  };
}

/** One full GC in the target process (twice: weak callbacks free more on the second). */
async function collectGarbage(port) {
  const session = await connectInspector(port);
  try {
    await session.send('HeapProfiler.collectGarbage');
    await session.send('HeapProfiler.collectGarbage');
  } finally {
    session.close();
  }
}

/** Start the sampling profiler; the returned stop() resolves to the .cpuprofile object. */
async function startProfiling(port, intervalUs = 500) {
  const session = await connectInspector(port);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.send('Profiler.start');
  let stopped;
  return {
    /** Idempotent: a second call returns the first one's outcome. */
    stop() {
      stopped ??= (async () => {
        try {
          const { profile } = await session.send('Profiler.stop');
          await session.send('Profiler.disable');
          return profile;
        } finally {
          session.close();
        }
      })();
      return stopped;
    },
  };
}

module.exports = { collectGarbage, startProfiling };
