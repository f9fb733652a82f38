import pino, { type DestinationStream, type Logger } from 'pino';
import { currentRequestId, currentWorker } from './request-scope';

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

/** `destination` defaults to stdout. */
export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: service,
    level,
    base: { service },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Every line written while serving a request carries its id, whoever logs it; background work its worker's name.
    mixin: () => {
      const requestId = currentRequestId();
      if (requestId) return { requestId };
      const worker = currentWorker();
      return worker ? { worker } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
