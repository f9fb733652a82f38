import 'reflect-metadata';

/** `@lattice/platform`: the subgraph runtime (ORM, type-graphql, events, jobs) on top of core. */
export * from './core';
export * from './validation';
export * from './db';
export * from './scope';
export * from './mutate';
export * from './events/event';
export * from './events/audit';
export * from './events/migration';
export * from './events/outbox.entity';
export * from './authorization';
export * from './federation';
export * from './subgraph';
export * from './loaders';
export * from './pagination';
