/**
 * The credit ledger's public surface (decision 011). Every operation takes
 * the database or an open transaction first, so the generation pipeline can
 * place a hold inside its own transaction; each mutating operation takes an
 * idempotency key and the time from the caller's clock. Operations expect
 * READ COMMITTED (PostgreSQL's default): after taking the account lock they
 * must see what other transactions committed while they waited.
 */
export { ensureAccount } from './ensure-account';
export { grantCredits, type GrantCreditsInput, type GrantCreditsResult } from './grant-credits';
export { placeHold, type PlaceHoldInput, type PlaceHoldResult } from './place-hold';
export { settleHold, type SettleHoldInput } from './settle-hold';
export { voidHold, type VoidHoldInput } from './void-hold';
export type { HoldResolution } from './resolve-hold';
export { expireGrants, type ExpireGrantsResult } from './expire-grants';
export { revokeCredits, type RevokeCreditsInput, type RevokeCreditsResult } from './revoke-credits';
export { getBalance, type CreditBalance } from './get-balance';
export { listEntries, type LedgerHistoryItem, type LedgerHistoryPage } from './list-entries';
export { findOpenHoldsExpiredBefore, type ExpiredHold } from './find-open-holds-expired-before';
export { generationLedgerKeys, starterGrantKey } from './ledger-keys';
export { checkLedger, type CheckLedgerOptions, type LedgerCheckReport } from './checker';
export { MAX_CREDIT_AMOUNT } from './inputs';
