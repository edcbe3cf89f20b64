/**
 * Structured logs (pino, JSON lines). Anything that could carry a secret is
 * redacted by path before it is written: passwords, tokens, cookies,
 * authorization headers. Request logs carry the path without its query string.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

/*
 * Explicit paths only: wildcard paths ("*.password") make every log call
 * walk the object, which cost several per cent of a cheap request. Nothing
 * logs request bodies; these paths are the second line of defence, and a
 * test checks that no password, token or secret reaches the log.
 */
export const redactedPaths = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'secret',
  'apiKey',
  'body.password',
  'body.token',
  'headers.cookie',
  'headers.authorization',
  'headers["set-cookie"]',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

/**
 * Standard output, written asynchronously in batches of 4 KiB (and at least
 * every second): one synchronous write per request log line cost ~15 % of a
 * cheap request. Shutdown calls flushSync() so nothing is left behind.
 */
export function stdoutDestination(): pino.DestinationStream & { flushSync(): void; flush(): void } {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => destination.flush(), 1000).unref();
  return destination;
}

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
