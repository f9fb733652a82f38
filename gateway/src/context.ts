import type { Principal, Quota } from '@lattice/platform/core';

export interface GatewayContext {
  requestId: string;
  principal: Principal | null;
  /**
   * The credential `principal` was built from (before the membership projection): the gateway
   * builds the principal again from it after a mutation's fetch, which may have changed memberships.
   */
  credential?: Principal | null;
  /** The client's address, forwarded to subgraphs for the audit log. */
  ip: string | null;
  /** The caller's rate-limit quota after this operation was counted (HTTP: the `RateLimit-*` headers); null when Redis did not answer. */
  rateLimit?: Quota | null;
}
