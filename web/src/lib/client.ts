import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { GRAPHQL_PATH, graphqlWebSocketUrl } from './endpoint';
import { bodyHasErrorCode } from './errors';
import { decodeAccessToken, isExpired } from './jwt';
import { refreshSessionOnce } from './refresh';
import { getSession } from './session';

function withAuthorization(init: RequestInit | undefined, accessToken: string | null): RequestInit {
  const headers = new Headers(init?.headers);
  if (accessToken) headers.set('authorization', `Bearer ${accessToken}`);
  else headers.delete('authorization');
  return { ...init, headers };
}

async function isUnauthenticated(response: Response): Promise<boolean> {
  const contentType = response.headers.get('content-type') ?? '';
  if (!/json/i.test(contentType)) return false; // streamed (multipart/SSE) results are not retried
  try {
    const body: unknown = await response.clone().json();
    return bodyHasErrorCode(body, 'UNAUTHENTICATED');
  } catch {
    return false;
  }
}

/**
 * fetch for urql: sends the current access token; when the gateway answers
 * UNAUTHENTICATED (expired token), refreshes the session once and retries once.
 * A failed refresh ends the session (see refresh.ts) and the original error stands.
 */
export async function authorizedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const sentToken = getSession()?.accessToken ?? null;
  const response = await fetch(input, withAuthorization(init, sentToken));
  if (sentToken === null || !(await isUnauthenticated(response))) return response;

  const refreshed = await refreshSessionOnce(sentToken);
  const nextToken = getSession()?.accessToken ?? null;
  if (!refreshed || nextToken === null || nextToken === sentToken) return response;
  return fetch(input, withAuthorization(init, nextToken));
}

/** graphql-ws connection params, evaluated at every (re)connect: always the current token. */
async function connectionParams(): Promise<Record<string, unknown>> {
  let session = getSession();
  if (session && isExpired(decodeAccessToken(session.accessToken))) {
    await refreshSessionOnce(session.accessToken);
    session = getSession();
  }
  return session ? { authorization: `Bearer ${session.accessToken}` } : {};
}

export interface LatticeClient {
  client: Client;
  /** closes the WebSocket (if one is open) */
  dispose(): void;
}

/**
 * The urql client: document cache, HTTP POST for queries and mutations, graphql-ws for
 * subscriptions (`useSubscription` with a graphql() document; the socket opens lazily with
 * the first subscription and closes after the last one).
 */
export function createLatticeClient(): LatticeClient {
  const ws: WsClient = createWsClient({
    url: graphqlWebSocketUrl(),
    lazy: true,
    retryAttempts: 8,
    connectionParams,
  });

  const client = new Client({
    url: GRAPHQL_PATH,
    // Always POST: the gateway's contract is HTTP POST /graphql (GET would also trip
    // Apollo Server's CSRF prevention).
    preferGetMethod: false,
    fetch: authorizedFetch,
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const payload = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(payload, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    dispose() {
      void ws.dispose();
    },
  };
}

let current: { identity: string; value: LatticeClient } | null = null;

/**
 * One client per session identity (user + active organization, see sessionIdentity):
 * logging in or out and switching organization start from an empty cache and a new
 * WebSocket authenticated as the new identity; the previous socket is closed.
 */
export function clientForIdentity(identity: string): Client {
  if (current?.identity !== identity) {
    current?.value.dispose();
    current = { identity, value: createLatticeClient() };
  }
  return current.value.client;
}
