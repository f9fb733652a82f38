import { Client, fetchExchange } from 'urql';
import { graphql } from '../gql';
import { GRAPHQL_PATH } from './endpoint';
import { clearSession, getSession, readStoredSession, setSession, syncSessionFromStorage } from './session';

const RefreshSessionMutation = graphql(`
  mutation RefreshSession($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      accessToken
      refreshToken
    }
  }
`);

/**
 * A bare client for the refresh call: no Authorization header (an expired access token
 * would make the gateway answer UNAUTHENTICATED before refreshSession runs) and no retry
 * logic, so a failing refresh cannot recurse.
 */
const bareClient = new Client({
  url: GRAPHQL_PATH,
  preferGetMethod: false,
  exchanges: [fetchExchange],
});

export const SESSION_EXPIRED_NOTICE = 'Your session has expired. Please log in again.';

let inFlight: Promise<boolean> | null = null;

/**
 * One tab at a time (Web Locks): refresh tokens rotate on use, and the server takes a
 * rotated-away token presented again as stolen and ends the session, so two tabs refreshing
 * with the same token at once would log both out. (switchOrganization rotates too, but takes
 * no lock: its request may itself need a refresh, and Web Locks are not reentrant.)
 */
async function oneTabAtATime<T>(work: () => Promise<T>): Promise<T> {
  if (typeof navigator === 'undefined' || !navigator.locks) return work();
  return await navigator.locks.request('lattice.refreshSession', work);
}

/** Another tab rotated `refreshToken` already: take the tokens it stored. */
function adoptOtherTabsTokens(refreshToken: string): boolean {
  const stored = readStoredSession();
  if (!stored || stored.refreshToken === refreshToken) return false;
  syncSessionFromStorage();
  return true;
}

async function refresh(refreshToken: string): Promise<boolean> {
  // Another tab may have refreshed while this one waited for the lock.
  if (adoptOtherTabsTokens(refreshToken)) return true;
  const result = await bareClient.mutation(RefreshSessionMutation, { refreshToken }, { requestPolicy: 'network-only' }).toPromise();
  const tokens = result.data?.refreshSession;
  if (tokens) {
    setSession(tokens);
    return true;
  }
  if (result.error?.networkError && result.error.graphQLErrors.length === 0) {
    return false; // server unreachable: keep the session, the caller shows the error
  }
  // Without Web Locks (plain-http hosts other than localhost), a tab may still have rotated
  // the token meanwhile: take its tokens rather than log every tab out.
  if (adoptOtherTabsTokens(refreshToken)) return true;
  clearSession(SESSION_EXPIRED_NOTICE);
  return false;
}

/**
 * Refreshes the session once for everyone who saw `staleAccessToken` rejected: concurrent
 * callers share one refreshSession call, and a caller whose token was already replaced
 * just retries with the new one. Resolves true when a newer access token is available.
 */
export function refreshSessionOnce(staleAccessToken: string): Promise<boolean> {
  const current = getSession();
  if (!current) return Promise.resolve(false);
  if (current.accessToken !== staleAccessToken) return Promise.resolve(true);
  inFlight ??= oneTabAtATime(() => refresh(current.refreshToken))
    .catch(() => false)
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}
