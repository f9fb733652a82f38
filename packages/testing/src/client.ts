import type { FormattedExecutionResult as ExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = any> {
  status: number;
  body: ExecutionResult<T> & { errors?: Array<{ message: string; extensions?: Record<string, any>; path?: unknown[] }> };
}

/** POST a GraphQL operation the way a client does. */
export async function gql<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse<T>['body'] };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A real graphql-ws client (the `graphql-transport-ws` subprotocol) with no retries. */
export function wsClient(url: string, connectionParams: Record<string, unknown> = {}): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

/** Collect events of one subscription; `next(n)` waits until n have arrived. */
export function collect<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const events: ExecutionResult<T, unknown>[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let error: unknown;
  let completed = false;
  const settle = () => {
    for (const w of waiters.splice(0)) {
      if (events.length >= w.n || error || completed) w.resolve();
      else waiters.push(w);
    }
  };
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        events.push(value);
        settle();
      },
      error: (err) => {
        error = err;
        settle();
      },
      complete: () => {
        completed = true;
        settle();
      },
    },
  );
  return {
    events,
    get error() {
      return error;
    },
    get completed() {
      return completed;
    },
    dispose,
    async next(n: number, timeoutMs = 5000): Promise<ExecutionResult<T, unknown>[]> {
      if (events.length < n && !error && !completed) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} events (got ${events.length})`)), timeoutMs);
          waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
        });
      }
      if (error) throw asError(error);
      return events.slice(0, n);
    },
  };
}

/** graphql-ws reports a closed socket as a CloseEvent: keep its code and reason on the thrown error. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const { code, reason } = error as { code?: number; reason?: string };
  if (typeof code === 'number') return Object.assign(new Error(`socket closed ${code}: ${reason ?? ''}`), { code, reason });
  return new Error(JSON.stringify(error));
}

/** Unref'd: a sleep that lost a race (a fallback timeout) must not hold the jest worker after its test. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** Poll `read` until it returns `expected` (or the time is up), then assert it does. */
export async function eventually<T>(read: () => Promise<T> | T, expected: T, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (last !== expected && Date.now() < deadline) {
    await sleep(20);
    last = await read();
  }
  expect(last).toBe(expected);
}
