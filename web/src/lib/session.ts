import { useSyncExternalStore } from 'react';
import { decodeAccessToken, type AccessTokenClaims } from './jwt';

/**
 * The signed-in session: the token pair from an AuthPayload, kept in localStorage so it
 * survives reloads and is shared by tabs. Every tab listens to `storage` events, so logging
 * out (or a token refresh) in one tab applies to all of them.
 */
export interface Session {
  accessToken: string;
  refreshToken: string;
}

export interface SessionState {
  session: Session | null;
  /** why the last session ended, when it did not end by the user's choice */
  notice: string | null;
}

export const ACCESS_TOKEN_KEY = 'lattice.accessToken';
export const REFRESH_TOKEN_KEY = 'lattice.refreshToken';

/** Reads the token pair straight from storage (not from the in-memory state). */
export function readStoredSession(): Session | null {
  try {
    const accessToken = localStorage.getItem(ACCESS_TOKEN_KEY);
    const refreshToken = localStorage.getItem(REFRESH_TOKEN_KEY);
    return accessToken && refreshToken ? { accessToken, refreshToken } : null;
  } catch {
    return null; // storage disabled (private mode, policy): behave as signed out
  }
}

function sameSession(a: Session | null, b: Session | null): boolean {
  return a?.accessToken === b?.accessToken && a?.refreshToken === b?.refreshToken;
}

let state: SessionState = { session: readStoredSession(), notice: null };
const listeners = new Set<() => void>();

function setState(next: SessionState): void {
  if (sameSession(next.session, state.session) && next.notice === state.notice) return;
  state = next;
  for (const listener of listeners) listener();
}

if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== null && event.key !== ACCESS_TOKEN_KEY && event.key !== REFRESH_TOKEN_KEY) return;
    const stored = readStoredSession();
    if (!sameSession(stored, state.session)) setState({ session: stored, notice: null });
  });
}

export function getSession(): Session | null {
  return state.session;
}

/** Stores a new token pair (from signUp, logIn, refreshSession or switchOrganization). */
export function setSession(tokens: Session): void {
  const session = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
  try {
    localStorage.setItem(ACCESS_TOKEN_KEY, session.accessToken);
    localStorage.setItem(REFRESH_TOKEN_KEY, session.refreshToken);
  } catch {
    // storage unavailable: the session still lives in memory for this tab
  }
  setState({ session, notice: null });
}

/** Ends the session (log out). `notice` is shown on the sign-in screen, e.g. "expired". */
export function clearSession(notice: string | null = null): void {
  try {
    localStorage.removeItem(ACCESS_TOKEN_KEY);
    localStorage.removeItem(REFRESH_TOKEN_KEY);
  } catch {
    // nothing stored
  }
  setState({ session: null, notice });
}

/** Adopts what storage holds now (another tab may have refreshed the tokens). */
export function syncSessionFromStorage(): Session | null {
  const stored = readStoredSession();
  if (!sameSession(stored, state.session)) setState({ session: stored, notice: null });
  return stored;
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function getSnapshot(): SessionState {
  return state;
}

export function useSessionState(): SessionState {
  return useSyncExternalStore(subscribeSession, getSnapshot, getSnapshot);
}

export function sessionClaims(session: Session | null): AccessTokenClaims | null {
  return session ? decodeAccessToken(session.accessToken) : null;
}

/** The active organization id from the access token's `org` claim (null: none). */
export function useActiveOrganizationId(): string | null {
  const { session } = useSessionState();
  return sessionClaims(session)?.org ?? null;
}

/**
 * Who the session acts as: user and active organization. A refresh keeps the identity;
 * logging in or out and switching organization change it. The GraphQL client is rebuilt
 * when it changes, so no cached data or open subscription outlives its tenant.
 */
export function sessionIdentity(session: Session | null): string {
  if (!session) return 'anonymous';
  const claims = decodeAccessToken(session.accessToken);
  if (!claims?.sub) return `token:${session.accessToken}`;
  return `user:${claims.sub}|org:${claims.org ?? ''}`;
}
