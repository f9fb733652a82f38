import 'reflect-metadata';

export * from './channel';
export * from './config';
export * from './logger';
export * from './errors';
export * from './request-scope';
export * from './validation';
export * from './db';
export * from './redis';
export * from './principal';
export * from './access-token';
export * from './authorization';
export * from './metrics';
export * from './federation';
export * from './server';
export * from './subgraph';
export * from './pagination';
export * from './run';
