-- Hand-written part of the credit ledger (decision 011). Self-contained, so the
-- migration can be renumbered on merge.
--
-- 1. L4: the journal is append-only. UPDATE, DELETE and TRUNCATE on ledger
--    transactions, their entries and hold allocations are refused by the
--    database itself, so even buggy code or a hand-typed statement cannot
--    rewrite history. A correction is a new transaction.
-- 2. The system accounts on the far side of double entry, with fixed ids that
--    src/server/credits/system-accounts.ts names.
CREATE FUNCTION credit_ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % is refused: the credit ledger is append-only', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
  FOR EACH ROW EXECUTE FUNCTION credit_ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_transactions_no_truncate BEFORE TRUNCATE ON ledger_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION credit_ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION credit_ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION credit_ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER credit_hold_allocations_append_only BEFORE UPDATE OR DELETE ON credit_hold_allocations
  FOR EACH ROW EXECUTE FUNCTION credit_ledger_refuse_change();
--> statement-breakpoint
CREATE TRIGGER credit_hold_allocations_no_truncate BEFORE TRUNCATE ON credit_hold_allocations
  FOR EACH STATEMENT EXECUTE FUNCTION credit_ledger_refuse_change();
--> statement-breakpoint
INSERT INTO credit_accounts (id, kind) VALUES
  ('00000000-0000-4000-8000-000000000001', 'issued'),
  ('00000000-0000-4000-8000-000000000002', 'spent'),
  ('00000000-0000-4000-8000-000000000003', 'expired'),
  ('00000000-0000-4000-8000-000000000004', 'revoked');
