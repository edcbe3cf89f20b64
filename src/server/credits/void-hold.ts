/**
 * Gives a hold's credits back: its work failed, was cancelled, or ran past
 * the hold timeout (the sweeper). Credits return to the grants they came
 * from; if such a grant has expired meanwhile, the next expiry run expires
 * them.
 */
import type { Db } from '../db/client';
import type { HoldVoidReason } from '../db/schema';
import { resolveHold, type HoldResolution } from './resolve-hold';

export interface VoidHoldInput {
  holdId: string;
  reason: HoldVoidReason;
  /** E.g. `gen:<id>:void:failure`; see ledger-keys.ts. */
  idempotencyKey: string;
  at: Date;
}

/** Voids once; a hold that is already settled or voided is `hold_resolved` (409). */
export function voidHold(db: Db, input: VoidHoldInput): Promise<HoldResolution> {
  return resolveHold(db, { kind: 'void', ...input });
}
