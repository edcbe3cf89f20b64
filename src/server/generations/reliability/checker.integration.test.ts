/**
 * The reliability checker catches what it claims to: each invariant is
 * broken on purpose, by hand-written SQL that goes around the product (with
 * the journal's triggers switched off where needed), and the checker must
 * name it. Without this, a checker that always said "sound" would pass every
 * reliability test. A member left untouched stays sound throughout (the
 * control), so the checks are not simply noisy.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/app';
import { checkInvariants, startL1Sampler } from '../../../../tests/support/checker';
import { signUpMember, type Member } from '../../../../tests/support/reliability';
import { placeHold } from '../../credits';
import { creditAccounts, creditHolds, generations } from '../../db/schema';

let t: TestApp;
let control: Member;
beforeAll(async () => {
  t = await createTestApp({ STARTER_CREDITS: '10', RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' }, { workers: false });
  control = await signUpMember(t);
  for (let i = 0; i < 2; i++) await submit(control);
});
afterAll(() => t.close());

async function submit(member: Member): Promise<typeof generations.$inferSelect> {
  const response = await member.submit({
    prompt: 'checked',
    modelId: 'local-preview',
    size: '512x512',
    n: 1,
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  const [row] = await t.database.db.select().from(generations).where(eq(generations.id, id));
  return row!;
}

async function accountOf(member: Member): Promise<string> {
  const [account] = await t.database.db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(eq(creditAccounts.userId, member.userId));
  return account!.id;
}

/** Runs statements with triggers (the journal's append-only guard) switched off, as only a superuser can. */
async function behindTheTriggers(statements: ReturnType<typeof sql>[]) {
  await t.database.db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    for (const statement of statements) await tx.execute(statement);
  });
}

const check = (userIds: string[], extra: Partial<Parameters<typeof checkInvariants>[1]> = {}) =>
  checkInvariants(t.database.db, { now: t.deps.now(), config: t.deps.config, userIds, ...extra });

function broken(report: Awaited<ReturnType<typeof checkInvariants>>): string[] {
  return [...Object.entries(report.ledger?.violations ?? {}), ...Object.entries(report.violations)]
    .filter(([, violation]) => violation.count > 0)
    .map(([name]) => name)
    .sort();
}

async function expectControlSound() {
  const report = await check([control.userId], { liveJobs: true });
  expect(report.failure).toBeUndefined();
  expect(broken(report)).toEqual([]);
}

describe('the checker', () => {
  it('is sound on generations the product made', async () => {
    await expectControlSound();
  });

  it('L1: the sampler and the checker see a fold below zero', async () => {
    const member = await signUpMember(t);
    const account = await accountOf(member);
    const sampler = startL1Sampler(t.database.db, { userIds: [member.userId] });
    const transaction = randomUUID();
    await t.database.db.execute(sql`insert into ledger_transactions
      (id, kind, account_id, amount, idempotency_key, fingerprint, created_at)
      values (${transaction}::uuid, 'revoke', ${account}::uuid, 50, ${`broken:${transaction}`}, 'x', now())`);
    await t.database.db.execute(sql`insert into ledger_entries (transaction_id, account_id, bucket, amount)
      values (${transaction}::uuid, ${account}::uuid, 'available', -50)`);
    sampler.poke();
    const samples = await sampler.stop();
    expect(samples.violations.length).toBeGreaterThan(0);
    expect(samples.violations.at(-1)).toMatchObject({ negativeFold: 1 });
    expect(broken(await check([member.userId]))).toEqual(
      ['cacheDiffersFromFold', 'negativeFold', 'unbalancedTransaction'].sort(),
    );
    await expectControlSound();
  });

  it('L4: a journal row changed or removed since the previous sample', async () => {
    const member = await signUpMember(t);
    await submit(member);
    const before = await check([member.userId]);
    expect(broken(before)).toEqual([]);
    const account = await accountOf(member);
    await behindTheTriggers([
      sql`update ledger_entries set amount = amount where id = (
        select min(e.id) from ledger_entries e where e.account_id = ${account}::uuid and e.bucket = 'held')`,
      sql`update ledger_transactions set reason = 'rewritten' where account_id = ${account}::uuid and kind = 'grant'`,
    ]);
    // An update that writes the same values changes nothing: only the rewritten reason counts.
    const changed = await check([member.userId], { previous: before.journal! });
    expect(broken(changed)).toEqual(['journalRowChanged']);
    expect(changed.violations.journalRowChanged.count).toBe(1);
    await behindTheTriggers([
      sql`delete from ledger_entries where id = (
        select max(e.id) from ledger_entries e where e.account_id = ${account}::uuid)`,
    ]);
    const removed = await check([member.userId], { previous: changed.journal! });
    expect(broken(removed)).toContain('journalRowRemoved');
    await expectControlSound();
  });

  it('J1: a generation without its job id, past the bound, without a live job; holds without generations', async () => {
    const member = await signUpMember(t);
    const [a, b, c] = [await submit(member), await submit(member), await submit(member)];
    await t.database.db.update(generations).set({ jobId: null }).where(eq(generations.id, a.id));
    await t.database.db.execute(sql`delete from pgboss.job where id = ${b.jobId!}::uuid`);
    await t.database.db
      .update(creditHolds)
      .set({ reference: 'something else' })
      .where(eq(creditHolds.id, c.holdId));
    await placeHold(t.database.db, {
      userId: member.userId,
      amount: 1,
      expiresAt: new Date(t.deps.now().getTime() + 60_000),
      reference: randomUUID(),
      idempotencyKey: `stray:${randomUUID()}`,
      at: t.deps.now(),
    });
    await placeHold(t.database.db, {
      userId: member.userId,
      amount: 1,
      expiresAt: new Date(t.deps.now().getTime() + 60_000),
      reference: b.id,
      idempotencyKey: `second:${randomUUID()}`,
      at: t.deps.now(),
    });
    expect(broken(await check([member.userId], { liveJobs: true }))).toEqual(
      [
        'generationWithoutJobId',
        'generationWithoutLiveJob',
        'generationWithoutHold',
        'holdWithoutGeneration',
        'generationWithSeveralHolds',
      ].sort(),
    );
    const { holdTimeoutSeconds, sweepIntervalSeconds } = t.deps.config.generation;
    const later = new Date(t.deps.now().getTime() + (holdTimeoutSeconds + sweepIntervalSeconds + 1) * 1000);
    const late = await check([member.userId], { now: later });
    expect(broken(late)).toContain('generationPastBound');
    expect(broken(late)).toContain('staleOpenHold');
    expect(late.violations.generationPastBound.count).toBe(3);
    await expectControlSound();
  });

  it('J2: statuses that disagree with their holds, and sums that do not add up', async () => {
    const member = await signUpMember(t);
    const [a, b, c] = [await submit(member), await submit(member), await submit(member)];
    await t.database.db
      .update(generations)
      .set({ status: 'succeeded', charged: 1 })
      .where(eq(generations.id, a.id));
    await t.database.db
      .update(generations)
      .set({ status: 'failed', charged: 0 })
      .where(eq(generations.id, b.id));
    const report = await check([member.userId]);
    expect(broken(report)).toEqual(
      ['generationHoldMismatch', 'settledDiffersFromCharged', 'voidedDiffersFromHeld'].sort(),
    );
    expect(report.violations.generationHoldMismatch.count).toBe(2);

    // A second settle of one hold: only possible with the ledger's unique index gone.
    await t.database.db.execute(sql`drop index ledger_transactions_hold_resolution_idx`);
    const account = await accountOf(member);
    for (const n of [1, 2]) {
      await t.database.db.execute(sql`insert into ledger_transactions
        (kind, account_id, amount, hold_id, idempotency_key, fingerprint, created_at)
        values ('settle', ${account}::uuid, 0, ${c.holdId}::uuid, ${`twice:${c.id}:${n}`}, 'x', now())`);
    }
    expect(broken(await check([member.userId]))).toEqual(
      expect.arrayContaining(['holdSettledTwice', 'holdResolvedTwice']),
    );
    await expectControlSound();
  });

  it('J3: an object no row names, and a row whose objects are missing', async () => {
    const member = await signUpMember(t);
    const generation = await submit(member);
    const storage = t.platform.generation.storage;
    const orphan = `generations/${randomUUID()}/0.png`;
    await storage.put(orphan, new Uint8Array([1, 2, 3]), { contentType: 'image/png' });
    await t.database.db.execute(sql`insert into generation_images
      (generation_id, user_id, index, object_key, thumb_key, content_type, width, height, bytes, sha256)
      values (${generation.id}::uuid, ${member.userId}, 0, ${`generations/${generation.id}/0.png`},
        ${`generations/${generation.id}/0.thumb.webp`}, 'image/png', 512, 512, 3, 'x')`);
    const report = await check([member.userId], { storage });
    expect(broken(report)).toEqual(['missingObject', 'orphanedObject']);
    expect(report.violations.orphanedObject.sample).toEqual([orphan]);
    expect(report.violations.missingObject.count).toBe(2);
    await storage.delete(orphan);
    await t.database.db.execute(
      sql`delete from generation_images where generation_id = ${generation.id}::uuid`,
    );
    expect(broken(await check([control.userId], { storage }))).toEqual([]);
  });
});
