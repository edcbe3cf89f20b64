import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from './context';

/** The request's logger (a child carrying the request id), made on first use. */
export function requestLog(c: Context<AppEnv>): Logger {
  let log = c.get('log');
  if (!log) {
    log = c.get('baseLog').child({ reqId: c.get('requestId') });
    c.set('log', log);
  }
  return log;
}
