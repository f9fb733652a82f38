import 'reflect-metadata';

/** `@lattice/platform`: the subgraph runtime (ORM, type-graphql, events, jobs) on top of core. */
export * from './core';
export * from './validation';
export * from './db';
export * from './entity';
export * from './scope';
export * from './mutate';
export * from './events/event';
export * from './events/audit';
export * from './events/migration';
export * from './events/outbox.entity';
export * from './authorization';
export * from './federation';
export * from './cache-control';
export * from './subgraph';
export * from './loaders';
export * from './pagination';
export * from './cursor';
export * from './graphql-enum';
export * from './events/relay';
export * from './events/consumer';
export * from './events/trim';
export * from './jobs';
export * from './disposables';
