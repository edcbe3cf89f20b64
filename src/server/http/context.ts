import type { Logger } from 'pino';
import type { RequestInfo } from './request-info';
import type { Auth } from '../auth/auth';
import type { BillingDeps } from '../billing/deps';
import type { GenerationDeps } from '../generations/types';
import type { Config } from '../config';
import type { Database } from '../db/client';

/** What the app is built from; tests build the same app with their own database and clock. */
export interface AppDeps {
  config: Config;
  database: Database;
  auth: Auth;
  logger: Logger;
  /** Domain code reads time from here, so tests can move it. */
  now: () => Date;
  /** The generation loop: storage, job queue, live status, providers (see platform.ts). */
  generation: GenerationDeps;
  /** Stripe billing (platform.ts). */
  billing: BillingDeps;
  /** Set by main.ts once shutdown begins: readiness then answers 503. */
  isDraining?: () => boolean;
}

export interface AppVariables {
  requestId: string;
  /** Set by requestLog() on first use; read it through requestLog(c). */
  log: Logger | undefined;
  baseLog: Logger;
  /** Client IP, message language and consent, each worked out on first use. */
  info: RequestInfo;
}

export interface AppEnv {
  Variables: AppVariables;
}
