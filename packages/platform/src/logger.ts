import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Credentials and personal data never reach a log line: these paths are censored
 * wherever a caller passes such an object by mistake.
 */
const REDACT = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'email',
  '*.email',
  'req.headers.authorization',
  'req.headers["x-lattice-principal"]',
  'headers.authorization',
  'headers["x-lattice-principal"]',
  'variables',
  '*.variables',
];

export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
