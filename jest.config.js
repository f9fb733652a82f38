/** One jest run for every workspace; each test file gets its own database and Redis prefix. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/subgraphs', '<rootDir>/gateway', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    '^@lattice/platform/core$': '<rootDir>/packages/platform/src/core',
    '^@lattice/(platform|testing)$': '<rootDir>/packages/$1/src',
    '^@lattice/(accounts|billing|ai-platform|monitoring)$': '<rootDir>/subgraphs/$1/src/server',
    '^@lattice/gateway$': '<rootDir>/gateway/src/gateway',
  },
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker that has loaded the whole stack (ORM, Apollo, BullMQ, type-graphql) can take longer
  // than jest's default 500 ms to tear its heap down once its event loop is empty. A hook that
  // listed a worker's active handles 100 ms after jest's END message showed none (the loop was
  // already empty, the timer never fired), so this is teardown time, not a leaked handle; a
  // real leak (a socket, a ref'd timer) would still hold the worker past 1.5 s and be reported.
  workerGracefulExitTimeout: 1500,
};
