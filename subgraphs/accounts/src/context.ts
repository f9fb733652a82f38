import type { AccessTokenSigner, SubgraphContext } from '@lattice/platform';
import type { Loaders } from './loaders';

export interface Deps {
  signer: AccessTokenSigner;
  refreshTokenTtlSeconds: number;
}

export type Context = SubgraphContext<Loaders, Deps>;
