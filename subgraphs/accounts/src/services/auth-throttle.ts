import { createHash } from 'node:crypto';
import { addressKey, rateLimited, RedisLimiter, type Config, type Logger, type Redis } from '@lattice/platform';

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * Brute force against `logIn` and floods of `signUp`, stopped before the argon2 hash (each
 * costs ~50 ms of CPU): every check here runs first, so a refused attempt costs a Redis round
 * trip, not a hash. README, "Rate limits".
 */
export interface AuthThrottle {
  /**
   * Before a log-in's password is checked: counts the attempt as a failure of its address and of
   * its email until `loggedIn` says otherwise, and refuses (RATE_LIMITED, `retryAfterSeconds`)
   * when either is over its limit. Counting first means parallel attempts cannot slip past
   * the limit while their hashes run.
   */
  logInAttempt(email: string, ip: string | null): Promise<void>;
  /** The password was right: the attempt was no failure; the email's failures and lock-outs are forgotten. */
  loggedIn(email: string, ip: string | null): Promise<void>;
  /** Before a sign-up's hash: counts it against its address and its email; refuses past either limit. */
  signUpAttempt(email: string, ip: string | null): Promise<void>;
}

/** Emails are personal data: Redis keys carry a digest, never the address. */
const emailKey = (email: string) => createHash('sha256').update(email).digest('base64url');

const refused = (message: string, retryAfterSeconds: number) =>
  rateLimited(`${message}; retry in ${retryAfterSeconds} s`, { retryAfterSeconds });

export function authThrottle(runtime: { redis: Redis; config: Config; logger: Logger }): AuthThrottle {
  const { redis, config, logger } = runtime;
  const limiter = (name: string, points: number, durationSeconds: number) =>
    new RedisLimiter({ redis, prefix: config.REDIS_PREFIX, name: `accounts:${name}`, points, durationSeconds, logger });
  const maxLockout = config.LOGIN_LOCKOUT_MAX_SECONDS;
  // Failures in a row per email, forgotten after a day without one; a lock-out is a block of this key.
  const failuresByEmail = limiter('login-failures-by-email', config.LOGIN_MAX_FAILURES_PER_EMAIL, DAY);
  // How many times the email was locked within a day: each lock-out lasts twice as long as the last.
  const lockouts = limiter('login-lockouts-by-email', Number.MAX_SAFE_INTEGER, DAY);
  const failuresByIp = limiter('login-failures-by-ip', config.LOGIN_MAX_FAILURES_PER_IP, DAY);
  const signUpsByIp = limiter('signups-by-ip', config.SIGNUP_MAX_PER_IP, HOUR);
  const signUpsByEmail = limiter('signups-by-email', config.SIGNUP_MAX_PER_EMAIL, HOUR);

  /** Locks the email: LOGIN_LOCKOUT_SECONDS the first time in a day, doubling each time after, up to the maximum. */
  async function lock(key: string): Promise<number> {
    const { consumed } = await lockouts.consume(key);
    const seconds = Math.min(maxLockout, config.LOGIN_LOCKOUT_SECONDS * 2 ** Math.min(30, (consumed ?? 1) - 1));
    await failuresByEmail.block(key, seconds);
    return seconds;
  }

  return {
    async logInAttempt(email, ip) {
      const byIp = await failuresByIp.consume(addressKey(ip));
      if (!byIp.allowed) throw refused('Too many failed log-ins from this address', byIp.retryAfterSeconds);
      const key = emailKey(email);
      const byEmail = await failuresByEmail.consume(key);
      if (byEmail.allowed) return;
      // The first attempt past the limit locks the email (the right password included); later
      // ones are told what is left of the lock. One racing the lock's write would be told the
      // failure window's end instead: never more than the longest lock-out.
      const retryAfter = byEmail.consumed === failuresByEmail.points + 1 ? await lock(key) : byEmail.retryAfterSeconds;
      throw refused('Too many failed log-ins for this account: it is locked for a while', Math.min(retryAfter, maxLockout));
    },

    async loggedIn(email, ip) {
      const key = emailKey(email);
      await Promise.all([failuresByEmail.delete(key), lockouts.delete(key), failuresByIp.reward(addressKey(ip))]);
    },

    async signUpAttempt(email, ip) {
      const byIp = await signUpsByIp.consume(addressKey(ip));
      if (!byIp.allowed) throw refused('Too many sign-ups from this address', byIp.retryAfterSeconds);
      const byEmail = await signUpsByEmail.consume(emailKey(email));
      if (!byEmail.allowed) throw refused('Too many sign-ups for this email', byEmail.retryAfterSeconds);
    },
  };
}
