import type { AccessTokenSigner, SubgraphContext } from '@lattice/platform';
import type { Loaders } from './loaders';
import type { AuthThrottle } from './services/auth-throttle';
import type { MembershipProjector } from './services/membership-projection';

export interface Deps {
  signer: AccessTokenSigner;
  refreshTokenTtlSeconds: number;
  /** Writes the membership projection: every membership change calls `membershipsChanged` with it. */
  memberships: MembershipProjector;
  /** Log-in and sign-up limits per address and per email, checked before any password hash. */
  throttle: AuthThrottle;
}

export type Context = SubgraphContext<Loaders, Deps>;
