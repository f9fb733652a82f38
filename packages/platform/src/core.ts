/**
 * `@lattice/platform/core`: what the gateway needs and nothing that loads the ORM, pg or
 * type-graphql (a test holds it to that). Subgraphs import `@lattice/platform`, which adds the rest.
 */
export * from './channel';
export * from './clock';
export * from './deadline';
export * from './config';
export * from './subgraph-table';
export * from './node-flags';
export * from './logger';
export * from './errors';
export * from './request-scope';
export * from './redis';
export * from './public-data';
export * from './verified-tokens';
export * from './principal';
export * from './access-token';
export * from './memberships';
export * from './policy';
export * from './metrics';
export * from './operation-limits';
export * from './rate-limit';
export * from './server';
export * from './run';
