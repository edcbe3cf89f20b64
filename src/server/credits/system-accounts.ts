/**
 * Fixed ids of the system accounts seeded by the migration
 * `credit_ledger_append_only`. They are the far side of every double entry:
 * grants are drawn from `issued`; settled, expired and revoked credits go to
 * their own sinks, so each figure can be read off one account.
 */
export const systemAccounts = {
  issued: '00000000-0000-4000-8000-000000000001',
  spent: '00000000-0000-4000-8000-000000000002',
  expired: '00000000-0000-4000-8000-000000000003',
  revoked: '00000000-0000-4000-8000-000000000004',
} as const;
