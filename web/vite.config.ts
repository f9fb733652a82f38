import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv, type ProxyOptions } from 'vite';

/**
 * Environment (process environment or web/.env*):
 *   WEB_PORT     dev/preview server port                       default 5173
 *   WEB_HOST     dev/preview server host                       default 127.0.0.1
 *   GATEWAY_URL  gateway origin that /graphql is proxied to    default http://127.0.0.1:4000
 *                (a trailing /graphql is accepted and ignored)
 *
 * The browser only ever talks to its own origin: HTTP POST /graphql and graphql-ws on
 * /graphql are both forwarded to the gateway, so no CORS setup is needed in development.
 */
const webRoot = fileURLToPath(new URL('.', import.meta.url));

function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`WEB_PORT must be an integer between 0 and 65535, got "${value}"`);
  }
  return port;
}

function gatewayOrigin(value: string | undefined): string {
  const url = value?.trim() || 'http://127.0.0.1:4000';
  return url.replace(/\/+$/, '').replace(/\/graphql$/, '');
}

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, webRoot, '');
  const host = env.WEB_HOST?.trim() || '127.0.0.1';
  const port = parsePort(env.WEB_PORT, 5173);
  const proxy: Record<string, ProxyOptions> = {
    '/graphql': { target: gatewayOrigin(env.GATEWAY_URL), changeOrigin: true, ws: true },
  };

  return {
    root: webRoot,
    plugins: [react()],
    server: { host, port, strictPort: true, proxy },
    preview: { host, port, strictPort: true, proxy },
    build: { outDir: 'dist', emptyOutDir: true },
  };
});
