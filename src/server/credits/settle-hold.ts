/**
 * Charges a hold when its work succeeded. The amount may be less than the
 * hold (e.g. fewer images came back): the rest goes back to the member.
 */
import type { Db } from '../db/client';
import { resolveHold, type HoldResolution } from './resolve-hold';

export interface SettleHoldInput {
  holdId: string;
  /** 1 to the held amount; the remainder is released. */
  amount: number;
  /** E.g. `gen:<id>:settle`. */
  idempotencyKey: string;
  at: Date;
}

/** Settles once; a hold that is already settled or voided is `hold_resolved` (409), never charged twice. */
export function settleHold(db: Db, input: SettleHoldInput): Promise<HoldResolution> {
  return resolveHold(db, { kind: 'settle', ...input });
}
