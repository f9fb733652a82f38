import type { SubgraphContext } from '@lattice/platform';
import type { Loaders } from './loaders';

export type Context = SubgraphContext<Loaders, undefined>;
