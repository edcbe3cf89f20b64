/**
 * Idempotency keys of the generation pipeline, derived from the generation
 * id and the phase, so a retried job or a crashed-and-restarted worker
 * reaches the same ledger transaction instead of a new one. The ledger
 * keeps keys forever (decision 011); time-limited client keys
 * (`Idempotency-Key` headers) belong to the API layer, which maps them to a
 * generation id first.
 */
import type { HoldVoidReason } from '../db/schema';

export function generationLedgerKeys(generationId: string) {
  return {
    hold: `gen:${generationId}:hold`,
    settle: `gen:${generationId}:settle`,
    /**
     * One key per reason: the worker's failure and the sweeper's expiry are
     * different requests, so whichever comes second is told `hold_resolved`
     * rather than `idempotency_mismatch`.
     */
    void: (reason: HoldVoidReason) => `gen:${generationId}:void:${reason}`,
  };
}

/** The starter grant of a new member: at most one per user. */
export const starterGrantKey = (userId: string) => `starter:${userId}`;
