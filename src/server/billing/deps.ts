/** What billing code is given: one object, built in platform.ts, so tests build the same. */
import type { Logger } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/client';
import type { BillingSettings } from './settings';
import type { StripeClient } from './stripe-client';

export interface BillingDeps {
  db: Db;
  settings: BillingSettings;
  /** Undefined when billing is off (no Stripe keys). */
  stripe: StripeClient | undefined;
  boss: PgBoss;
  logger: Logger;
  now: () => Date;
  /** PUBLIC_URL, for Checkout's success and cancel pages. */
  publicUrl: string;
  /** Wakes this process's event worker after a webhook commits (no-op when workers run elsewhere). */
  wakeEventWorker(): void;
}
