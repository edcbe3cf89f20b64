/**
 * The admin's members API on the real app and database: the searchable,
 * paged list with balances, and what a credit adjustment accepts and
 * refuses before it reaches the ledger (field errors in the request's
 * language, unknown members, the grant's expiry). C8
 * (c8-admin-adjustments.integration.test.ts) covers the ledger and audit
 * side under load.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, uniqueEmail, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import { MAX_CREDIT_AMOUNT } from '../credits';
import { auditLog, creditGrants, ledgerTransactions, users } from '../db/schema';
import type { AdminMemberView, CreditAdjustmentResult, MemberPage } from './members';

const STARTER = 15;
const tag = `members${process.pid}`;

let t: TestApp;
let admin: string;
let adminId: string;
/** Five members whose emails share `tag` (plus a look-alike that only a wildcard `_` would match). */
const emails = [1, 2, 3, 4, 5].map((n) => `${tag}-${n}@example.test`);
const ids = new Map<string, string>();

beforeAll(async () => {
  const adminEmail = uniqueEmail('members-admin');
  t = await createTestApp({
    ADMIN_EMAILS: adminEmail,
    RATE_LIMIT_SIGN_UP_PER_HOUR: '1000',
    STARTER_CREDITS: String(STARTER),
  });
  admin = (await signUp(t, { email: adminEmail })).cookie;
  adminId = await idOf(adminEmail);
  for (const [n, email] of emails.entries()) {
    await signUp(t, { email, name: `Member ${n + 1}` });
    ids.set(email, await idOf(email));
  }
  // Would match `tag_1` if `_` were a wildcard.
  await signUp(t, { email: `${tag}x1@example.test` });
});
afterAll(() => t.close());

async function idOf(email: string): Promise<string> {
  const [row] = await t.database.db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (!row) throw new Error(`no user ${email}`);
  return row.id;
}

const list = async (params: Record<string, string>) => {
  const response = await t.request(`/api/admin/users?${new URLSearchParams(params).toString()}`, {
    headers: { cookie: admin },
  });
  return { status: response.status, body: (await response.json()) as MemberPage };
};

const adjust = (userId: string, body: unknown, headers: Record<string, string> = {}) =>
  t.request(`/api/admin/users/${encodeURIComponent(userId)}/credits`, {
    method: 'POST',
    headers: { cookie: admin, ...headers },
    json: body,
  });

async function fieldsOf(response: Response) {
  expect(response.status).toBe(400);
  const body = (await response.json()) as {
    error: { code: string; fields: { field: string; message: string }[] };
  };
  expect(body.error.code).toBe('validation_failed');
  return body.error.fields;
}

describe('the member list', () => {
  it('finds members by a fragment of their email, case aside, with their balances', async () => {
    const { status, body } = await list({ query: `  ${tag.toUpperCase()}-3@ ` });
    expect(status).toBe(200);
    expect(body.items).toEqual([
      {
        id: ids.get(emails[2]!),
        email: emails[2],
        name: 'Member 3',
        role: 'user',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        available: STARTER,
        held: 0,
      } satisfies Record<keyof AdminMemberView, unknown>,
    ]);
    expect(body.nextCursor).toBeNull();
  });

  it('matches _ and % literally', async () => {
    expect((await list({ query: `${tag}_1` })).body.items).toEqual([]);
    expect((await list({ query: `${tag}%` })).body.items).toEqual([]);
  });

  it('pages through every match in email order without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: MemberPage } = await list({
        query: `${tag}-`,
        limit: '2',
        ...(cursor ? { cursor } : {}),
      });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.email));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...emails].sort());
    expect(pages).toBe(3);
  });

  it('refuses a cursor it did not issue and a limit out of range', async () => {
    const bad = await t.request('/api/admin/users?cursor=bm90LWFuLWVtYWls', { headers: { cookie: admin } });
    expect((await fieldsOf(bad)).map((f) => f.field)).toEqual(['cursor']);
    const tooMany = await t.request('/api/admin/users?limit=1000', { headers: { cookie: admin } });
    expect((await fieldsOf(tooMany)).map((f) => f.field)).toEqual(['limit']);
  });

  it('is not there for members', async () => {
    const member = (await signUp(t)).cookie;
    const response = await t.request('/api/admin/users', { headers: { cookie: member } });
    expect(response.status).toBe(404);
  });
});

describe('a credit adjustment', () => {
  it('names each invalid field in the request language and writes nothing', async () => {
    const userId = ids.get(emails[0]!)!;
    const auditsBefore = (await t.database.db.select().from(auditLog)).length;
    const cases: [unknown, string, string][] = [
      [{ amount: 0, reason: 'x', idempotencyKey: 'k1' }, 'amount', 'This value is not allowed.'],
      [{ amount: 1.5, reason: 'x', idempotencyKey: 'k1' }, 'amount', 'This value has the wrong type.'],
      [
        { amount: MAX_CREDIT_AMOUNT + 1, reason: 'x', idempotencyKey: 'k1' },
        'amount',
        `Must be at most ${MAX_CREDIT_AMOUNT}.`,
      ],
      [{ amount: 5, idempotencyKey: 'k1' }, 'reason', 'This field is required.'],
      [{ amount: 5, reason: '   ', idempotencyKey: 'k1' }, 'reason', 'This field is required.'],
      [
        { amount: 5, reason: 'r'.repeat(501), idempotencyKey: 'k1' },
        'reason',
        'Must be at most 500 characters.',
      ],
      [{ amount: 5, reason: 'x' }, 'idempotencyKey', 'This field is required.'],
      [
        { amount: 5, reason: 'x', idempotencyKey: 'k'.repeat(101) },
        'idempotencyKey',
        'Must be at most 100 characters.',
      ],
      [
        { amount: 5, reason: 'x', idempotencyKey: 'k1', expiresAt: 'tomorrow' },
        'expiresAt',
        'This value is not in the expected format.',
      ],
      [
        { amount: 5, reason: 'x', idempotencyKey: 'k1', balance: 5 },
        'balance',
        'This field is not accepted.',
      ],
    ];
    for (const [body, field, message] of cases) {
      expect(await fieldsOf(await adjust(userId, body)), JSON.stringify(body)).toEqual([{ field, message }]);
    }
    const zh = await fieldsOf(
      await adjust(userId, { amount: 5, idempotencyKey: 'k1' }, { 'accept-language': 'zh' }),
    );
    expect(zh.map((f) => f.field)).toEqual(['reason']);
    expect(zh[0]?.message).toMatch(/[\u4e00-\u9fff]/);

    // Checked against the operation: an expiry in the past, an expiry on a revoke, allowPartial on a grant.
    const past = new Date(t.deps.now().getTime() - 1000).toISOString();
    expect(
      await fieldsOf(await adjust(userId, { amount: 5, reason: 'x', idempotencyKey: 'k2', expiresAt: past })),
    ).toEqual([{ field: 'expiresAt', message: 'This value is not allowed.' }]);
    const future = new Date(t.deps.now().getTime() + 86_400_000).toISOString();
    expect(
      await fieldsOf(
        await adjust(userId, { amount: -5, reason: 'x', idempotencyKey: 'k3', expiresAt: future }),
      ),
    ).toEqual([{ field: 'expiresAt', message: 'This value is not allowed.' }]);
    expect(
      await fieldsOf(
        await adjust(userId, { amount: 5, reason: 'x', idempotencyKey: 'k4', allowPartial: true }),
      ),
    ).toEqual([{ field: 'allowPartial', message: 'This value is not allowed.' }]);

    const adminRows = await t.database.db
      .select()
      .from(ledgerTransactions)
      .where(eq(ledgerTransactions.actorId, adminId));
    expect(adminRows).toEqual([]);
    expect(await t.database.db.select().from(auditLog)).toHaveLength(auditsBefore);
  });

  it('answers 404 for a member who does not exist', async () => {
    const response = await adjust('no-such-user', { amount: 5, reason: 'x', idempotencyKey: 'k5' });
    expect(response.status).toBe(404);
    const revoke = await adjust('no-such-user', { amount: -5, reason: 'x', idempotencyKey: 'k6' });
    expect(revoke.status).toBe(404);
  });

  it('grants admin credits with their expiry, and the list shows the new balance', async () => {
    const email = emails[1]!;
    const userId = ids.get(email)!;
    const expiresAt = new Date(t.deps.now().getTime() + 7 * 86_400_000);
    const response = await adjust(userId, {
      amount: 40,
      reason: 'Sorry about the outage',
      idempotencyKey: 'grant-1',
      expiresAt: expiresAt.toISOString(),
    });
    expect(response.status).toBe(201);
    const { adjustment } = (await response.json()) as { adjustment: CreditAdjustmentResult };
    expect(adjustment).toMatchObject({
      kind: 'grant',
      amount: 40,
      replayed: false,
      balance: { available: STARTER + 40, held: 0 },
    });
    const [grant] = await t.database.db
      .select()
      .from(creditGrants)
      .where(eq(creditGrants.id, adjustment.transactionId));
    expect(grant).toMatchObject({ kind: 'admin', amount: 40, reason: 'Sorry about the outage', expiresAt });
    const [row] = await t.database.db
      .select()
      .from(ledgerTransactions)
      .where(eq(ledgerTransactions.id, adjustment.transactionId));
    expect(row).toMatchObject({ actorId: adminId, idempotencyKey: `admin:${adminId}:grant-1` });
    expect((await list({ query: email })).body.items[0]).toMatchObject({ available: STARTER + 40 });

    // The audit page's view of it.
    const audit = await t.request('/api/admin/audit', { headers: { cookie: admin } });
    const { items } = (await audit.json()) as {
      items: { action: string; targetId: string; details: unknown }[];
    };
    expect(items[0]).toMatchObject({
      action: 'credits.grant',
      targetId: userId,
      details: {
        email,
        amount: 40,
        reason: 'Sorry about the outage',
        expiresAt: expiresAt.toISOString(),
        transactionId: adjustment.transactionId,
      },
    });
    await expectLedgerSound(t.database.db);
  });

  it('refuses an over-revoke in the request language, naming what is available', async () => {
    const userId = ids.get(emails[3]!)!;
    const response = await adjust(
      userId,
      { amount: -(STARTER + 1), reason: 'too much', idempotencyKey: 'over-1' },
      { 'accept-language': 'zh' },
    );
    expect(response.status).toBe(402);
    const body = (await response.json()) as {
      error: { code: string; fields: { field: string; message: string }[] };
    };
    expect(body.error.code).toBe('insufficient_credits');
    expect(body.error.fields).toEqual([
      { field: 'amount', message: expect.stringContaining(String(STARTER)) as string },
    ]);
    expect(body.error.fields[0]?.message).toMatch(/[\u4e00-\u9fff]/);
  });
});
