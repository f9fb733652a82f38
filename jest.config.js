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
};
