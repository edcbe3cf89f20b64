/**
 * Structured logs (pino, JSON lines). Anything that could carry a secret is
 * redacted by path before it is written: passwords, tokens, cookies,
 * authorization headers. Request logs carry the path without its query string.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export const redactedPaths = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'secret',
  'apiKey',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.secret',
  '*.apiKey',
  'headers.cookie',
  'headers.authorization',
  'headers["set-cookie"]',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { service: 'imagegen' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
