CREATE TABLE "credit_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text DEFAULT 'user' NOT NULL,
	"user_id" text,
	"available" integer DEFAULT 0 NOT NULL,
	"held" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_accounts_user_id_unique" UNIQUE("user_id"),
	CONSTRAINT "credit_accounts_available_not_negative" CHECK ("credit_accounts"."available" >= 0),
	CONSTRAINT "credit_accounts_held_not_negative" CHECK ("credit_accounts"."held" >= 0),
	CONSTRAINT "credit_accounts_system_uncached" CHECK ("credit_accounts"."kind" = 'user' or ("credit_accounts"."user_id" is null and "credit_accounts"."available" = 0 and "credit_accounts"."held" = 0))
);
--> statement-breakpoint
CREATE TABLE "credit_grants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"amount" integer NOT NULL,
	"remaining" integer NOT NULL,
	"expired" integer DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone,
	"source_ref" text,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_grants_source_ref_unique" UNIQUE("source_ref"),
	CONSTRAINT "credit_grants_amount_positive" CHECK ("credit_grants"."amount" > 0),
	CONSTRAINT "credit_grants_remaining_in_range" CHECK ("credit_grants"."remaining" >= 0 and "credit_grants"."remaining" <= "credit_grants"."amount"),
	CONSTRAINT "credit_grants_expired_not_negative" CHECK ("credit_grants"."expired" >= 0)
);
--> statement-breakpoint
CREATE TABLE "credit_hold_allocations" (
	"hold_id" uuid NOT NULL,
	"grant_id" uuid NOT NULL,
	"amount" integer NOT NULL,
	CONSTRAINT "credit_hold_allocations_hold_id_grant_id_pk" PRIMARY KEY("hold_id","grant_id"),
	CONSTRAINT "credit_hold_allocations_amount_positive" CHECK ("credit_hold_allocations"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "credit_holds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"amount" integer NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"settled_amount" integer,
	"void_reason" text,
	"expires_at" timestamp with time zone NOT NULL,
	"reference" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "credit_holds_amount_positive" CHECK ("credit_holds"."amount" > 0),
	CONSTRAINT "credit_holds_resolution_shape" CHECK (("credit_holds"."status" = 'open' and "credit_holds"."resolved_at" is null and "credit_holds"."settled_amount" is null and "credit_holds"."void_reason" is null)
        or ("credit_holds"."status" = 'settled' and "credit_holds"."resolved_at" is not null and "credit_holds"."settled_amount" between 1 and "credit_holds"."amount" and "credit_holds"."void_reason" is null)
        or ("credit_holds"."status" = 'voided' and "credit_holds"."resolved_at" is not null and "credit_holds"."settled_amount" is null and "credit_holds"."void_reason" is not null))
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ledger_entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"transaction_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"bucket" text NOT NULL,
	"amount" integer NOT NULL,
	CONSTRAINT "ledger_entries_amount_not_zero" CHECK ("ledger_entries"."amount" <> 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_transactions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "ledger_transactions_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"account_id" uuid NOT NULL,
	"amount" integer NOT NULL,
	"unrecovered" integer DEFAULT 0 NOT NULL,
	"hold_id" uuid,
	"grant_id" uuid,
	"reason" text,
	"actor_id" text,
	"idempotency_key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ledger_transactions_seq_unique" UNIQUE("seq"),
	CONSTRAINT "ledger_transactions_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "ledger_transactions_amount_not_negative" CHECK ("ledger_transactions"."amount" >= 0),
	CONSTRAINT "ledger_transactions_unrecovered_not_negative" CHECK ("ledger_transactions"."unrecovered" >= 0),
	CONSTRAINT "ledger_transactions_hold_link" CHECK (("ledger_transactions"."kind" in ('settle', 'void')) = ("ledger_transactions"."hold_id" is not null))
);
--> statement-breakpoint
ALTER TABLE "credit_accounts" ADD CONSTRAINT "credit_accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_grants" ADD CONSTRAINT "credit_grants_id_ledger_transactions_id_fk" FOREIGN KEY ("id") REFERENCES "public"."ledger_transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_grants" ADD CONSTRAINT "credit_grants_account_id_credit_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."credit_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_hold_allocations" ADD CONSTRAINT "credit_hold_allocations_hold_id_credit_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."credit_holds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_hold_allocations" ADD CONSTRAINT "credit_hold_allocations_grant_id_credit_grants_id_fk" FOREIGN KEY ("grant_id") REFERENCES "public"."credit_grants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_holds" ADD CONSTRAINT "credit_holds_id_ledger_transactions_id_fk" FOREIGN KEY ("id") REFERENCES "public"."ledger_transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_holds" ADD CONSTRAINT "credit_holds_account_id_credit_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."credit_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_transaction_id_ledger_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."ledger_transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_account_id_credit_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."credit_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_transactions" ADD CONSTRAINT "ledger_transactions_account_id_credit_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."credit_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_transactions" ADD CONSTRAINT "ledger_transactions_hold_id_credit_holds_id_fk" FOREIGN KEY ("hold_id") REFERENCES "public"."credit_holds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_transactions" ADD CONSTRAINT "ledger_transactions_grant_id_credit_grants_id_fk" FOREIGN KEY ("grant_id") REFERENCES "public"."credit_grants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_accounts_system_kind_idx" ON "credit_accounts" USING btree ("kind") WHERE "credit_accounts"."kind" <> 'user';--> statement-breakpoint
CREATE INDEX "credit_grants_spend_order_idx" ON "credit_grants" USING btree ("account_id","expires_at","created_at") WHERE "credit_grants"."remaining" > 0;--> statement-breakpoint
CREATE INDEX "credit_grants_expiry_idx" ON "credit_grants" USING btree ("expires_at") WHERE "credit_grants"."remaining" > 0 and "credit_grants"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX "credit_holds_open_expiry_idx" ON "credit_holds" USING btree ("expires_at") WHERE "credit_holds"."status" = 'open';--> statement-breakpoint
CREATE INDEX "credit_holds_account_status_idx" ON "credit_holds" USING btree ("account_id","status");--> statement-breakpoint
CREATE INDEX "credit_holds_reference_idx" ON "credit_holds" USING btree ("reference");--> statement-breakpoint
CREATE INDEX "ledger_entries_transaction_idx" ON "ledger_entries" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "ledger_entries_account_bucket_idx" ON "ledger_entries" USING btree ("account_id","bucket");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_transactions_hold_resolution_idx" ON "ledger_transactions" USING btree ("hold_id") WHERE "ledger_transactions"."kind" in ('settle', 'void');--> statement-breakpoint
CREATE INDEX "ledger_transactions_account_seq_idx" ON "ledger_transactions" USING btree ("account_id","seq");