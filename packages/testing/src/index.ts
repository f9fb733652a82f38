export * from './config';
export * from './client';
export * from './stack';
export * from './product';
export * from './ports';
export * from './principals';
export * from './proxy';
