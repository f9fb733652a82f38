import { randomBytes } from 'node:crypto';
import { dropDatabase, generateKeyPairPem, loadConfig, type Config } from '@lattice/platform';

const BASE_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Configuration for one test file: its own database (created by the services on start) and its
 * own Redis prefix, so files run in parallel; fresh keys and secrets, quiet logs.
 */
export async function testConfig(overrides: Record<string, string> = {}): Promise<Config> {
  const id = randomBytes(5).toString('hex');
  const url = new URL(BASE_DATABASE_URL);
  url.pathname = `/lattice_test_${id}`;
  const keys = await generateKeyPairPem();
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOST: '127.0.0.1',
    DATABASE_URL: url.toString(),
    DATABASE_POOL_MAX: '4',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `test:${id}:`,
    INTERNAL_TOKEN_SECRET: randomBytes(32).toString('hex'),
    JWT_PRIVATE_KEY: keys.privateKey,
    JWT_PUBLIC_KEY: keys.publicKey,
    // Suites make hundreds of calls from 127.0.0.1 and sign up many users: never near a rate limit
    // unless a test lowers one (rate-limit tests do, through `overrides`).
    RATE_LIMIT_PER_USER: '1000000',
    RATE_LIMIT_PER_IP: '1000000',
    LOGIN_MAX_FAILURES_PER_EMAIL: '1000',
    LOGIN_MAX_FAILURES_PER_IP: '1000000',
    SIGNUP_MAX_PER_IP: '1000000',
    SIGNUP_MAX_PER_EMAIL: '1000',
    ...overrides,
  });
}

/** Drop the test file's database once every service has closed its pool. */
export const dropTestDatabase = (config: Config): Promise<void> => dropDatabase(config.DATABASE_URL, 'lattice_test_');
