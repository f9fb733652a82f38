import {
  MembershipSource,
  parseProjection,
  PRINCIPAL_HEADER,
  servicePrincipal,
  type Logger,
  type MembershipProjection,
  type Redis,
} from '@lattice/platform/core';
import type { PrincipalSigner } from './principal-data-source';

const REBUILD_TIMEOUT_MS = 2000;

/**
 * The membership projection as the gateway reads it (platform `MembershipSource`: Redis, a
 * cache of at most a second, dropped on every change notification). A projection that is
 * missing is rebuilt by accounts from its database (`/internal/memberships/:userId`, with a
 * service principal token): the gateway itself never queries a database.
 */
export function startMembershipSource(options: {
  redis: Redis;
  prefix: string;
  logger: Logger;
  signer: PrincipalSigner;
  /** accounts' GraphQL URL (its internal endpoints are on the same origin). */
  accountsUrl: () => string | undefined;
  cacheMs?: number;
}): Promise<MembershipSource> {
  const rebuild = async (userId: string): Promise<MembershipProjection> => {
    const accounts = options.accountsUrl();
    if (!accounts) throw new Error('no URL for the accounts service');
    const res = await fetch(new URL(`/internal/memberships/${encodeURIComponent(userId)}`, accounts), {
      headers: { [PRINCIPAL_HEADER]: await options.signer.sign(servicePrincipal('gateway')) },
      signal: AbortSignal.timeout(REBUILD_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`accounts answered ${res.status}`);
    const projection = parseProjection(await res.json());
    if (!projection) throw new Error('accounts answered something that is not a membership projection');
    return projection;
  };
  return MembershipSource.start({
    redis: options.redis,
    prefix: options.prefix,
    logger: options.logger,
    rebuild,
    cacheMs: options.cacheMs,
  });
}
