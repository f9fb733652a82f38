import type { Scope } from '@lattice/platform';

/** Per-request DataLoaders. Monitoring resolves nothing by key yet: points carry their user as a plain id. */
export type Loaders = Record<string, never>;

export const createLoaders = (_scope: Scope): Loaders => ({});
