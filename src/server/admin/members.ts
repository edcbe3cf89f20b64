/**
 * The admin's view of members and their credits (reliability C8): a paged,
 * searchable list with each member's balance, and credit adjustments by
 * hand. An adjustment never writes a balance itself: it is a ledger grant
 * (kind `admin`) or revoke (decision 011's over-revoke policy) with the
 * admin as actor and a reason, and its audit row commits in the same
 * transaction. The ledger operations open their own transaction, which
 * inside this one is a savepoint, so a refused revoke leaves neither a
 * ledger row nor an audit row. The idempotency key is the client's,
 * scoped to the admin (`admin:<adminId>:<key>`): a replay answers the
 * original result and writes no second audit row.
 */
import { and, asc, eq, gt, ilike } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client';
import { creditAccounts, users, type UserRole } from '../db/schema';
import { AppError } from '../errors';
import {
  ensureAccount,
  getBalance,
  grantCredits,
  MAX_CREDIT_AMOUNT,
  revokeCredits,
  type CreditBalance,
} from '../credits';
import { recordAudit, type AuditActor } from './audit';
import { fieldError } from './providers';

export interface AdminMemberView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  createdAt: string;
  available: number;
  held: number;
}

export interface MemberPage {
  items: AdminMemberView[];
  nextCursor: string | null;
}

/** The longest email the list's cursor carries (RFC 5321's path limit, with room). */
const MAX_EMAIL_LENGTH = 320;

/**
 * Members whose email contains `query` (case-insensitive; emails are stored
 * lower-cased), ordered by email. Emails are unique, so the last email of
 * a page is a stable cursor: members added between two pages neither
 * repeat nor shift the list.
 */
export async function listMembers(
  db: Db,
  options: { query?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<MemberPage> {
  const after = options.cursor ? decodeMemberCursor(options.cursor) : undefined;
  const fragment = options.query?.trim().toLowerCase();
  const rows = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      createdAt: users.createdAt,
      available: creditAccounts.available,
      held: creditAccounts.held,
    })
    .from(users)
    .leftJoin(creditAccounts, and(eq(creditAccounts.userId, users.id), eq(creditAccounts.kind, 'user')))
    .where(
      and(
        fragment ? ilike(users.email, `%${escapeLike(fragment)}%`) : undefined,
        after === undefined ? undefined : gt(users.email, after),
      ),
    )
    .orderBy(asc(users.email))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      createdAt: row.createdAt.toISOString(),
      // A member without an account yet has nothing (get-balance.ts).
      available: row.available ?? 0,
      held: row.held ?? 0,
    })),
    nextCursor: rows.length > options.limit && last ? Buffer.from(last.email).toString('base64url') : null,
  };
}

/** `%`, `_` and the escape character itself match literally in the search. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function decodeMemberCursor(cursor: string): string {
  const email = Buffer.from(cursor, 'base64url').toString('utf8');
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH || !email.includes('@')) {
    throw fieldError('cursor', 'validation.invalidValue');
  }
  return email;
}

/**
 * The body of `POST /api/admin/users/:id/credits`: a grant (amount > 0) or
 * revoke (amount < 0) by hand, with the client's key, one per submission.
 */
export const creditAdjustmentInput = z.strictObject({
  amount: z
    .int()
    .min(-MAX_CREDIT_AMOUNT)
    .max(MAX_CREDIT_AMOUNT)
    .refine((amount) => amount !== 0),
  reason: z.string().trim().min(1).max(500),
  expiresAt: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .optional(),
  allowPartial: z.boolean().optional(),
  idempotencyKey: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\x21-\x7e]+$/),
});

export interface CreditAdjustment {
  /** Positive grants, negative revokes; never zero (the route validates it). */
  amount: number;
  reason: string;
  /** Grants only: when the unspent part expires. */
  expiresAt?: Date | undefined;
  /** Revokes only: take what is available instead of refusing an over-revoke. */
  allowPartial?: boolean | undefined;
  /** The client's key for this submission (the admin page makes one per submit). */
  idempotencyKey: string;
}

export interface CreditAdjustmentResult {
  kind: 'grant' | 'revoke';
  /** The ledger transaction (for a grant, also the grant's id). */
  transactionId: string;
  /** What was asked, signed as sent. */
  amount: number;
  /** Revokes: credits actually taken. */
  revoked: number;
  /** Revokes with allowPartial: asked for but not available (recorded on the transaction). */
  unrecovered: number;
  /** True when the key had been used already: nothing was written, this is the original result. */
  replayed: boolean;
  /** The member's balance after the adjustment. */
  balance: CreditBalance;
}

/** The ledger key of an admin's submission: the client's key, scoped to the admin. */
export const adminAdjustmentKey = (adminId: string, clientKey: string) => `admin:${adminId}:${clientKey}`;

export async function adjustCredits(
  db: Db,
  actor: AuditActor,
  userId: string,
  input: CreditAdjustment,
  at: Date,
): Promise<CreditAdjustmentResult> {
  if (input.amount > 0 && input.allowPartial) throw fieldError('allowPartial', 'validation.invalidValue');
  if (input.amount < 0 && input.expiresAt) throw fieldError('expiresAt', 'validation.invalidValue');
  const idempotencyKey = adminAdjustmentKey(actor.id, input.idempotencyKey);
  try {
    return await db.transaction(async (tx) => {
      const [user] = await tx
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(eq(users.id, userId));
      if (!user) throw new AppError('not_found');
      const outcome =
        input.amount > 0
          ? await grant(tx, actor, userId, input, idempotencyKey, at)
          : await revoke(tx, actor, userId, input, idempotencyKey, at);
      if (!outcome.replayed) {
        await recordAudit(
          tx,
          actor,
          {
            action: outcome.kind === 'grant' ? 'credits.grant' : 'credits.revoke',
            targetType: 'user',
            targetId: userId,
            details: {
              email: user.email,
              amount: input.amount,
              reason: input.reason,
              ...(outcome.kind === 'grant'
                ? { expiresAt: input.expiresAt?.toISOString() ?? null }
                : {
                    allowPartial: input.allowPartial ?? false,
                    revoked: outcome.revoked,
                    unrecovered: outcome.unrecovered,
                  }),
              transactionId: outcome.transactionId,
            },
          },
          at,
        );
      }
      return { ...outcome, amount: input.amount, balance: await getBalance(tx, userId) };
    });
  } catch (error) {
    // The refusal rolled everything back; say what there was, next to the amount.
    if (error instanceof AppError && error.code === 'insufficient_credits') {
      const { available } = await getBalance(db, userId);
      throw new AppError('insufficient_credits', {
        detail: error.message,
        fields: [{ field: 'amount', message: 'validation.revokeOverAvailable', vars: { available } }],
        cause: error,
      });
    }
    throw error;
  }
}

type Outcome = Omit<CreditAdjustmentResult, 'amount' | 'balance'>;

async function grant(
  tx: Db,
  actor: AuditActor,
  userId: string,
  input: CreditAdjustment,
  idempotencyKey: string,
  at: Date,
): Promise<Outcome> {
  const result = await grantCredits(tx, {
    userId,
    amount: input.amount,
    kind: 'admin',
    expiresAt: input.expiresAt ?? null,
    reason: input.reason,
    idempotencyKey,
    actorId: actor.id,
    at,
  });
  return {
    kind: 'grant',
    transactionId: result.grantId,
    revoked: 0,
    unrecovered: 0,
    replayed: result.replayed,
  };
}

async function revoke(
  tx: Db,
  actor: AuditActor,
  userId: string,
  input: CreditAdjustment,
  idempotencyKey: string,
  at: Date,
): Promise<Outcome> {
  // A member who never had credits has an empty account: the policy applies as to anyone.
  await ensureAccount(tx, userId);
  const result = await revokeCredits(tx, {
    userId,
    amount: -input.amount,
    reason: input.reason,
    actorId: actor.id,
    idempotencyKey,
    allowPartial: input.allowPartial ?? false,
    at,
  });
  return {
    kind: 'revoke',
    transactionId: result.transactionId,
    revoked: result.revoked,
    unrecovered: result.unrecovered,
    replayed: result.replayed,
  };
}
