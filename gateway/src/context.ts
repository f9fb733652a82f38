import type { Principal } from '@lattice/platform';

export interface GatewayContext {
  requestId: string;
  principal: Principal | null;
}
