import { GraphQLError } from 'graphql';
import type { Principal } from '@lattice/platform/core';
import type { Authenticate } from '../auth';

export interface ConnectionIdentity {
  principal: Principal | null;
  /** The credential's own claims, from which each operation's principal is built again. */
  credential?: Principal | null;
  /** Epoch ms at which the credential expires; absent for anonymous connections. */
  expiresAt?: number;
}

/**
 * `connectionParams.authorization` is read like the HTTP header: absent → anonymous (public
 * fields only, as over HTTP); present but not a valid credential → null, and the socket is
 * closed with 4403 rather than the connection silently becoming anonymous.
 */
export async function authenticateConnection(
  authenticate: Authenticate,
  params: Readonly<Record<string, unknown>> | undefined,
): Promise<ConnectionIdentity | null> {
  const authorization = params?.authorization ?? params?.Authorization;
  if (authorization === undefined || authorization === null || authorization === '') return { principal: null };
  if (typeof authorization !== 'string') return null;
  try {
    const authenticated = await authenticate(authorization);
    return authenticated ?? { principal: null };
  } catch (err) {
    if (err instanceof GraphQLError && err.extensions.code === 'UNAUTHENTICATED') return null;
    throw err;
  }
}

// setTimeout fires at once beyond 2^31-1 ms (~24.8 days); longer waits are re-armed.
const MAX_TIMEOUT = 2 ** 31 - 1;

/** Calls `close` when `expiresAt` (epoch ms) has passed; returns the cancel function. */
export function closeAtExpiry(expiresAt: number, close: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) return close();
    timer = setTimeout(arm, Math.min(left, MAX_TIMEOUT));
  };
  arm();
  return () => clearTimeout(timer);
}
