import type { Principal } from '@lattice/platform/core';

export interface GatewayContext {
  requestId: string;
  principal: Principal | null;
  /** The client's address, forwarded to subgraphs for the audit log. */
  ip: string | null;
}
