/**
 * C8, admin adjustments (reliability.md 3.1): an admin grants and revokes
 * credits for 20 members through the admin API, including revokes of more
 * than a member has: once refused (no allowPartial), once taken in part
 * (allowPartial, the rest recorded as unrecovered). One request is replayed
 * with its key, one key is sent four times at once, and one key is reused
 * for a different request.
 *
 * What must hold: every change is a ledger transaction with the admin as
 * actor and the reason sent; balances follow the model and never go
 * negative; a refused over-revoke writes nothing (no ledger row, no audit
 * row); each applied change has exactly one audit row, committed with it;
 * a replay writes nothing; members get the admin API's 404; the ledger
 * checker is sound afterwards; and no production code outside the ledger
 * module writes credit_accounts (a static scan of src/).
 *
 * Amounts, which members get an expiring grant and which are over-revoked
 * are drawn from the seed (RELIABILITY_SEED replays a run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eq, gt, inArray, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, signUp, uniqueEmail, type TestApp } from '../../../tests/support/app';
import { checkInvariants, expectSound, openObserver } from '../../../tests/support/checker';
import { recorded, reliabilitySeed, signUpMember, type Member } from '../../../tests/support/reliability';
import { seededRandom } from '../../../tests/support/reliability-record';
import { auditLog, creditAccounts, ledgerTransactions, users } from '../db/schema';
import { adminAdjustmentKey } from './members';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const MEMBERS = 20;
/** Members who are over-revoked: each gets a refused attempt, then a partial one. */
const OVER_REVOKED = 6;
const DAY_MS = 86_400_000;

interface AdjustmentBody {
  amount: number;
  reason: string;
  idempotencyKey: string;
  expiresAt?: string;
  allowPartial?: boolean;
}

interface Adjustment {
  kind: 'grant' | 'revoke';
  transactionId: string;
  amount: number;
  revoked: number;
  unrecovered: number;
  replayed: boolean;
  balance: { available: number; held: number };
}

interface ErrorBody {
  error: { code: string; message: string; fields?: { field: string; message: string }[] };
}

/** What the ledger must hold for one applied change, by the client's key. */
interface Expected {
  userId: string;
  kind: 'grant' | 'revoke';
  amount: number;
  unrecovered: number;
  reason: string;
}

let t: TestApp;
let adminCookie: string;
let adminId: string;
beforeAll(async () => {
  const adminEmail = uniqueEmail('c8-admin');
  t = await createTestApp({
    ADMIN_EMAILS: adminEmail,
    RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
    // No starter grants: every credit a member has comes from the admin.
    STARTER_CREDITS: '0',
  });
  adminCookie = (await signUp(t, { email: adminEmail })).cookie;
  const [admin] = await t.database.db.select({ id: users.id }).from(users).where(eq(users.email, adminEmail));
  if (!admin) throw new Error('no admin row');
  adminId = admin.id;
});
afterAll(() => t.close());

function send(userId: string, body: unknown, cookie = adminCookie): Promise<Response> {
  return t.request(`/api/admin/users/${encodeURIComponent(userId)}/credits`, {
    method: 'POST',
    headers: { cookie },
    json: body,
  });
}

async function applied(userId: string, body: AdjustmentBody, status = 201): Promise<Adjustment> {
  const response = await send(userId, body);
  const text = await response.text();
  expect(response.status, `${JSON.stringify(body)} -> ${text}`).toBe(status);
  return (JSON.parse(text) as { adjustment: Adjustment }).adjustment;
}

async function ledgerRowsAfter(seq: number) {
  return t.database.db.select().from(ledgerTransactions).where(gt(ledgerTransactions.seq, seq));
}

async function creditAudits() {
  return t.database.db.select().from(auditLog).where(like(auditLog.action, 'credits.%'));
}

async function maxSeq(): Promise<number> {
  const [row] = await t.database.db
    .select({ seq: sql<number>`coalesce(max(${ledgerTransactions.seq}), 0)::int` })
    .from(ledgerTransactions);
  return row?.seq ?? 0;
}

/**
 * Production sources (not tests) outside the ledger module and the schema
 * that write credit_accounts, through Drizzle or in raw SQL. Returns
 * "file: line" for each, and the writers found inside the ledger module,
 * so the scan is seen to find what it looks for.
 */
function balanceWriters(): { outside: string[]; inLedger: string[] } {
  const src = path.join(repoRoot, 'src');
  const allowed = [path.join(src, 'server', 'credits'), path.join(src, 'server', 'db', 'schema')].map(
    (dir) => dir + path.sep,
  );
  // `.update(creditAccounts)` or `.update(schema.creditAccounts)` (also split over lines), or SQL naming the table.
  const write =
    /\.(update|insert|delete)\(\s*(\w+\.)?creditAccounts\s*\)|\b(update|insert\s+into|delete\s+from)\s+("?public"?\.)?"?credit_accounts\b/gi;
  const outside: string[] = [];
  const inLedger: string[] = [];
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name) || /\.test\.tsx?$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(write)) {
      const where = `${path.relative(repoRoot, file)}:${text.slice(0, match.index).split('\n').length}`;
      (allowed.some((dir) => file.startsWith(dir)) ? inLedger : outside).push(where);
    }
  }
  return { outside, inLedger };
}

it('C8: admin grants and revokes are ledger entries with the admin, a reason and an audit row', async () => {
  const seed = reliabilitySeed();
  await recorded(
    'C8-admin-adjustments',
    {
      driver: t.database.driver,
      seed,
      parameters: { members: MEMBERS, overRevoked: OVER_REVOKED, starterCredits: 0 },
    },
    async (figures) => {
      const random = seededRandom(seed);
      const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

      const signUpStarted = performance.now();
      const members: Member[] = [];
      for (let i = 0; i < MEMBERS; i++) members.push(await signUpMember(t));
      figures.signUpMs = Math.round(performance.now() - signUpStarted);
      const adjustStarted = performance.now();
      const baseline = await maxSeq();
      const auditsBefore = (await creditAudits()).length;
      expect(auditsBefore).toBe(0);

      // Members and visitors: the admin API is not there.
      for (const cookie of [members[0]!.cookie, '']) {
        const listed = await t.request('/api/admin/users', { headers: { cookie } });
        expect(listed.status).toBe(404);
        const posted = await send(
          members[1]!.userId,
          { amount: 100, reason: 'not an admin', idempotencyKey: 'nope' },
          cookie,
        );
        expect(posted.status).toBe(404);
        expect(((await posted.json()) as ErrorBody).error.code).toBe('not_found');
      }
      expect(await ledgerRowsAfter(baseline)).toEqual([]);

      const model = new Map(members.map((m) => [m.userId, 0]));
      const expected = new Map<string, Expected>();
      let keyCounter = 0;
      const newKey = () => `c8-${seed}-${++keyCounter}`;
      const expectBalance = (userId: string, adjustment: Adjustment) => {
        expect(adjustment.balance.available).toBeGreaterThanOrEqual(0);
        expect(adjustment.balance).toEqual({ available: model.get(userId), held: 0 });
      };

      // 1. A grant for everyone; every third one expires in 30 days.
      const firstGrants: { userId: string; body: AdjustmentBody; result: Adjustment }[] = [];
      for (const [i, member] of members.entries()) {
        const amount = between(20, 200);
        const body: AdjustmentBody = {
          amount,
          reason: `C8 goodwill grant ${i}`,
          idempotencyKey: newKey(),
          ...(i % 3 === 0 ? { expiresAt: new Date(t.deps.now().getTime() + 30 * DAY_MS).toISOString() } : {}),
        };
        const result = await applied(member.userId, body);
        model.set(member.userId, model.get(member.userId)! + amount);
        expected.set(body.idempotencyKey, {
          userId: member.userId,
          kind: 'grant',
          amount,
          unrecovered: 0,
          reason: body.reason,
        });
        expect(result).toMatchObject({ kind: 'grant', amount, revoked: 0, unrecovered: 0, replayed: false });
        expectBalance(member.userId, result);
        firstGrants.push({ userId: member.userId, body, result });
      }

      // 2. Some of it back from everyone (less than they have).
      for (const [i, member] of members.entries()) {
        const available = model.get(member.userId)!;
        const amount = between(1, available - 1);
        const body = { amount: -amount, reason: `C8 correction ${i}`, idempotencyKey: newKey() };
        const result = await applied(member.userId, body);
        model.set(member.userId, available - amount);
        expected.set(body.idempotencyKey, {
          userId: member.userId,
          kind: 'revoke',
          amount,
          unrecovered: 0,
          reason: body.reason,
        });
        expect(result).toMatchObject({ kind: 'revoke', amount: -amount, revoked: amount, unrecovered: 0 });
        expectBalance(member.userId, result);
      }

      // 3. More than they have: refused without allowPartial, then taken in part with it.
      const shuffled = [...members].sort(() => random() - 0.5);
      const overRevoked = shuffled.slice(0, OVER_REVOKED);
      let unrecoveredTotal = 0;
      const partials: { userId: string; body: AdjustmentBody; result: Adjustment }[] = [];
      for (const [i, member] of overRevoked.entries()) {
        const available = model.get(member.userId)!;
        const excess = between(1, 100);
        const seqBefore = await maxSeq();
        const auditsBeforeRefusal = (await creditAudits()).length;
        const refusedKey = newKey();
        const refused = await send(member.userId, {
          amount: -(available + excess),
          reason: `C8 over-revoke ${i}`,
          idempotencyKey: refusedKey,
        });
        expect(refused.status).toBe(402);
        const error = ((await refused.json()) as ErrorBody).error;
        expect(error.code).toBe('insufficient_credits');
        expect(error.fields).toEqual([
          {
            field: 'amount',
            message: `Only ${available} credits are available to revoke. Lower the amount or allow a partial revoke.`,
          },
        ]);
        // Nothing of it was written: no ledger transaction, no audit row, the key is free.
        expect(await ledgerRowsAfter(seqBefore)).toEqual([]);
        expect(await creditAudits()).toHaveLength(auditsBeforeRefusal);
        const [claimed] = await t.database.db
          .select({ id: ledgerTransactions.id })
          .from(ledgerTransactions)
          .where(eq(ledgerTransactions.idempotencyKey, adminAdjustmentKey(adminId, refusedKey)));
        expect(claimed).toBeUndefined();

        const body: AdjustmentBody = {
          amount: -(available + excess),
          reason: `C8 partial over-revoke ${i}`,
          idempotencyKey: newKey(),
          allowPartial: true,
        };
        const result = await applied(member.userId, body);
        expect(result).toMatchObject({
          kind: 'revoke',
          revoked: available,
          unrecovered: excess,
          replayed: false,
        });
        model.set(member.userId, 0);
        unrecoveredTotal += excess;
        expected.set(body.idempotencyKey, {
          userId: member.userId,
          kind: 'revoke',
          amount: available,
          unrecovered: excess,
          reason: body.reason,
        });
        expectBalance(member.userId, result);
        partials.push({ userId: member.userId, body, result });
      }
      figures.refusedOverRevokes = OVER_REVOKED;
      figures.partialRevokes = partials.length;
      figures.unrecoveredTotal = unrecoveredTotal;

      // 4. Replays: the same request with its key answers the original result and writes nothing.
      const seqBeforeReplays = await maxSeq();
      const auditsBeforeReplays = (await creditAudits()).length;
      const grantReplayed = firstGrants[between(0, MEMBERS - 1)]!;
      const again = await applied(grantReplayed.userId, grantReplayed.body, 200);
      expect(again).toMatchObject({
        kind: 'grant',
        transactionId: grantReplayed.result.transactionId,
        amount: grantReplayed.body.amount,
        replayed: true,
      });
      expectBalance(grantReplayed.userId, again);
      const partialReplayed = partials[0]!;
      const partialAgain = await applied(partialReplayed.userId, partialReplayed.body, 200);
      expect(partialAgain).toMatchObject({
        transactionId: partialReplayed.result.transactionId,
        revoked: partialReplayed.result.revoked,
        unrecovered: partialReplayed.result.unrecovered,
        replayed: true,
      });
      // The same key for a different request is refused, not applied.
      const mismatch = await send(grantReplayed.userId, {
        ...grantReplayed.body,
        amount: grantReplayed.body.amount + 1,
      });
      expect(mismatch.status).toBe(409);
      expect(((await mismatch.json()) as ErrorBody).error.code).toBe('idempotency_mismatch');
      expect(await ledgerRowsAfter(seqBeforeReplays)).toEqual([]);
      expect(await creditAudits()).toHaveLength(auditsBeforeReplays);

      // One submission sent four times at once (a double click, a retry): applied once.
      const target = members[between(0, MEMBERS - 1)]!;
      const burst: AdjustmentBody = { amount: 7, reason: 'C8 burst grant', idempotencyKey: newKey() };
      const responses = await Promise.all([0, 1, 2, 3].map(() => send(target.userId, burst)));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 201]);
      const burstIds = new Set(
        await Promise.all(
          responses.map(
            async (r) => ((await r.json()) as { adjustment: Adjustment }).adjustment.transactionId,
          ),
        ),
      );
      expect(burstIds.size).toBe(1);
      model.set(target.userId, model.get(target.userId)! + 7);
      expected.set(burst.idempotencyKey, {
        userId: target.userId,
        kind: 'grant',
        amount: 7,
        unrecovered: 0,
        reason: burst.reason,
      });
      figures.replays = 2 + 3;
      figures.adjustmentsMs = Math.round(performance.now() - adjustStarted);

      // The ledger: exactly the expected transactions, each with the admin and its reason.
      const rows = await ledgerRowsAfter(baseline);
      figures.entriesCreated = rows.length;
      figures.entriesWithoutActor = rows.filter((row) => row.actorId === null).length;
      figures.entriesWithOtherActor = rows.filter(
        (row) => row.actorId !== null && row.actorId !== adminId,
      ).length;
      figures.entriesWithoutReason = rows.filter((row) => !row.reason?.trim()).length;
      expect(figures.entriesWithoutActor).toBe(0);
      expect(figures.entriesWithOtherActor).toBe(0);
      expect(figures.entriesWithoutReason).toBe(0);
      const accounts = await t.database.db
        .select({ id: creditAccounts.id, userId: creditAccounts.userId })
        .from(creditAccounts)
        .where(
          inArray(
            creditAccounts.userId,
            members.map((m) => m.userId),
          ),
        );
      const userOfAccount = new Map(accounts.map((a) => [a.id, a.userId]));
      const prefix = adminAdjustmentKey(adminId, '');
      expect(
        rows
          .map((row) => ({
            key: row.idempotencyKey.startsWith(prefix)
              ? row.idempotencyKey.slice(prefix.length)
              : row.idempotencyKey,
            userId: userOfAccount.get(row.accountId),
            kind: row.kind,
            amount: row.amount,
            unrecovered: row.unrecovered,
            reason: row.reason,
          }))
          .sort((a, b) => a.key.localeCompare(b.key)),
      ).toEqual(
        [...expected.entries()].map(([key, e]) => ({ key, ...e })).sort((a, b) => a.key.localeCompare(b.key)),
      );
      expect(rows).toHaveLength(2 * MEMBERS + OVER_REVOKED + 1);

      // The audit log: one row per applied change, naming its ledger transaction, by the admin.
      const audits = (await creditAudits()).slice(0);
      const newAudits = audits.length - auditsBefore;
      figures.auditRows = newAudits;
      expect(newAudits).toBe(rows.length);
      const audited = audits.map((row) => (row.details as { transactionId?: string }).transactionId);
      expect(new Set(audited).size).toBe(audits.length);
      expect([...audited].sort()).toEqual(rows.map((row) => row.id).sort());
      const byTransaction = new Map(rows.map((row) => [row.id, row]));
      for (const audit of audits) {
        const row = byTransaction.get((audit.details as { transactionId: string }).transactionId)!;
        expect(audit).toMatchObject({
          actorId: adminId,
          action: row.kind === 'grant' ? 'credits.grant' : 'credits.revoke',
          targetType: 'user',
          targetId: userOfAccount.get(row.accountId),
        });
        expect(audit.details).toMatchObject({ reason: row.reason });
        if (row.kind === 'revoke') {
          expect(audit.details).toMatchObject({ revoked: row.amount, unrecovered: row.unrecovered });
        } else {
          expect(audit.details).toMatchObject({ amount: row.amount });
        }
        // Committed together: the audit row carries the ledger transaction's own time.
        expect(audit.createdAt.getTime()).toBe(row.createdAt.getTime());
      }

      // Balances: the model's, none negative anywhere.
      const balances = await t.database.db
        .select({
          userId: creditAccounts.userId,
          available: creditAccounts.available,
          held: creditAccounts.held,
        })
        .from(creditAccounts)
        .where(
          inArray(
            creditAccounts.userId,
            members.map((m) => m.userId),
          ),
        );
      expect(new Map(balances.map((b) => [b.userId, { available: b.available, held: b.held }]))).toEqual(
        new Map([...model.entries()].map(([userId, available]) => [userId, { available, held: 0 }])),
      );
      const [lowest] = await t.database.db
        .select({ min: sql<number>`min(least(${creditAccounts.available}, ${creditAccounts.held}))::int` })
        .from(creditAccounts);
      figures.lowestBalance = lowest?.min;
      expect(lowest?.min).toBeGreaterThanOrEqual(0);

      // No code path writes a balance directly: only the ledger module touches credit_accounts.
      const writers = balanceWriters();
      figures.directBalanceWriters = writers.outside.length;
      expect(writers.outside).toEqual([]);
      expect(writers.inLedger.length).toBeGreaterThanOrEqual(5);

      const observer = await openObserver(t.database);
      try {
        const report = await checkInvariants(observer.db, {
          now: t.deps.now(),
          config: t.deps.config,
          userIds: members.map((m) => m.userId),
        });
        figures.ledgerTransactions = report.ledger?.figures?.transactions;
        expectSound(report);
        expect(report.ledger?.figures?.transactions).toBe(rows.length);
      } finally {
        await observer.close();
      }
    },
  );
}, 30_000);
