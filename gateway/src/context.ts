import type { Principal } from '@lattice/platform/core';

export interface GatewayContext {
  requestId: string;
  principal: Principal | null;
}
