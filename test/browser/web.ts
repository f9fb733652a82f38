import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '@lattice/testing';

const root = join(__dirname, '..', '..');

/** Debian's Chromium (`apt-get install chromium`); .ci/run installs it when missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The console's Vite dev server, proxying /graphql (HTTP and WebSocket) to the given gateway. */
export async function startWebConsole(gatewayUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const vite: ChildProcess = spawn(process.execPath, [join(root, 'node_modules/vite/bin/vite.js')], {
    cwd: join(root, 'web'),
    env: { ...process.env, WEB_PORT: String(port), WEB_HOST: '127.0.0.1', GATEWAY_URL: gatewayUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  vite.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  vite.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  // Ask the server itself rather than parse its banner: Vite colours the port when the
  // environment asks for colour (FORCE_COLOR), which once hid it from a text match.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (vite.exitCode !== null) throw new Error(`vite exited with ${vite.exitCode}:\n${output}`);
    const ready = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      vite.kill('SIGKILL');
      throw new Error(`vite did not answer on ${url} within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (vite.exitCode !== null) return resolve();
        vite.once('exit', () => resolve());
        vite.kill('SIGTERM');
      }),
  };
}

/** Headless Chromium with the flags this sandbox needs (no background network, no sandbox as root). */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
