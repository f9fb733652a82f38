// A small process supervisor for `npm start`: runs each service as a child process, prefixes its
// output with its name, restarts one that exits (with a growing delay, logged), leaves the others
// running, and on SIGTERM/SIGINT stops them all. concurrently's `restartAfter: 'exponential'`
// grows without bound and never forgets a crash, so a service that crashed ten times over a
// month would wait 17 minutes: here the delay is capped and resets once a run has been healthy.
const { spawn } = require('node:child_process');

const COLORS = { blue: 34, green: 32, magenta: 35, yellow: 33, red: 31, gray: 90, cyan: 36, white: 37 };

/**
 * @typedef {{ name: string, command: string, args?: string[], color?: keyof COLORS }} Service
 * @typedef {{
 *   cwd?: string, env?: NodeJS.ProcessEnv,
 *   restartDelayMs?: number, maxRestartDelayMs?: number, healthyAfterMs?: number, stopTimeoutMs?: number,
 *   out?: (line: string) => void, handleSignals?: boolean, exit?: (code: number) => void,
 * }} Options
 */

/**
 * Runs `services` until SIGTERM/SIGINT (or `stop()`). A child that exits on its own is restarted
 * after `restartDelayMs`, doubled after each crash in a row up to `maxRestartDelayMs`; a run that
 * lasted `healthyAfterMs` resets the delay. Returns `{ stop, children }` (children: name → pid).
 * @param {Service[]} services
 * @param {Options} [options]
 */
function supervise(services, options = {}) {
  const {
    cwd = process.cwd(),
    env = process.env,
    restartDelayMs = 1000,
    maxRestartDelayMs = 30_000,
    healthyAfterMs = 30_000,
    stopTimeoutMs = 15_000,
    out = (line) => process.stdout.write(`${line}\n`),
    handleSignals = true,
    exit = (code) => process.exit(code),
  } = options;
  const color = process.stdout.isTTY && !('NO_COLOR' in process.env);
  const paint = (service, text) => (color && service.color ? `\x1b[${COLORS[service.color]}m${text}\x1b[0m` : text);
  const log = (message) => out(`[supervisor] ${message}`);
  /** @type {Map<string, { child?: import('node:child_process').ChildProcess, crashes: number, timer?: NodeJS.Timeout, startedAt: number }>} */
  const state = new Map();
  let stopping = false;

  const pipeLines = (service, stream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) out(`${paint(service, `[${service.name}]`)} ${line}`);
    });
    stream.on('end', () => rest && out(`${paint(service, `[${service.name}]`)} ${rest}`));
  };

  const start = (service) => {
    const entry = state.get(service.name) ?? { crashes: 0, startedAt: 0 };
    state.set(service.name, entry);
    // Its own process group: a stop reaches what it started too (npm → vite).
    const child = spawn(service.command, service.args ?? [], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    entry.child = child;
    entry.startedAt = Date.now();
    log(`${service.name} started (pid ${child.pid})`);
    pipeLines(service, child.stdout);
    pipeLines(service, child.stderr);
    child.on('error', (err) => log(`${service.name} could not be started: ${err.message}`));
    child.on('exit', (code, signal) => {
      entry.child = undefined;
      const ranMs = Date.now() - entry.startedAt;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (stopping) return void log(`${service.name} stopped (${how})`);
      entry.crashes = ranMs >= healthyAfterMs ? 1 : entry.crashes + 1;
      const delay = Math.min(maxRestartDelayMs, restartDelayMs * 2 ** (entry.crashes - 1));
      log(
        `${service.name} exited (${how}) after ${(ranMs / 1000).toFixed(1)} s; restarting in ${(delay / 1000).toFixed(1)} s (crash ${entry.crashes} in a row); the others keep running`,
      );
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (!stopping) start(service);
      }, delay);
    });
  };

  const signalGroup = (child, signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {}
    }
  };

  /** Stop every service (SIGTERM, then SIGKILL after `stopTimeoutMs`); resolves when all have exited. */
  const stop = async (reason = 'stop') => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: stopping ${services.map((s) => s.name).join(', ')}`);
    const running = [];
    for (const entry of state.values()) {
      clearTimeout(entry.timer);
      if (entry.child) running.push(entry.child);
    }
    await Promise.all(
      running.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => signalGroup(child, 'SIGKILL'), stopTimeoutMs);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            signalGroup(child, 'SIGTERM');
          }),
      ),
    );
    log('all stopped');
  };

  if (handleSignals) {
    for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => void stop(signal).then(() => exit(0)));
  }
  for (const service of services) start(service);
  return {
    stop,
    /** pid of each running service (absent while it waits to be restarted). */
    children: () => Object.fromEntries([...state].filter(([, e]) => e.child).map(([name, e]) => [name, e.child.pid])),
  };
}

module.exports = { supervise };
