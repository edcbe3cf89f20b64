/**
 * Ledger keys of one paid enhancement or translation, derived from its id
 * like a generation's (credits/ledger-keys.ts), so a retried settle or void
 * reaches the same ledger transaction. The `prompt:` prefix keeps them and
 * the hold's reference apart from generation ids (the credits page links
 * only those to a generation).
 */
export function promptLedgerKeys(id: string) {
  return {
    reference: `prompt:${id}`,
    hold: `prompt:${id}:hold`,
    settle: `prompt:${id}:settle`,
    void: `prompt:${id}:void:failure`,
  };
}
