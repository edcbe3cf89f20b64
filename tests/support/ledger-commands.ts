/**
 * The commands of the ledger's model-based test (reliability C3,
 * src/server/credits/ledger-model.integration.test.ts): each runs one ledger
 * operation for real, applies it to the model (./ledger-model.ts), and then
 * checks that the account, its grants and its holds equal the model and that
 * the checker passes.
 */
import { eq } from 'drizzle-orm';
import type fc from 'fast-check';
import { expect } from 'vitest';
import { checkLedger } from '../../src/server/credits/checker';
import { expireGrants } from '../../src/server/credits/expire-grants';
import { getBalance } from '../../src/server/credits/get-balance';
import { grantCredits } from '../../src/server/credits/grant-credits';
import { placeHold } from '../../src/server/credits/place-hold';
import { revokeCredits } from '../../src/server/credits/revoke-credits';
import { settleHold } from '../../src/server/credits/settle-hold';
import { voidHold } from '../../src/server/credits/void-hold';
import type { Db } from '../../src/server/db/client';
import { creditGrants, creditHolds, holdVoidReasons, type HoldVoidReason } from '../../src/server/db/schema';
import { expectAppError, minutes } from './ledger';
import {
  applyExpiry,
  applyGrant,
  applyHold,
  applyRevoke,
  applySettle,
  applyVoid,
  canHold,
  type LedgerModel,
  type ModelHold,
} from './ledger-model';

export interface Done {
  label: string;
  result: unknown;
  /** The same request again, at a later time. */
  replay(at: Date): Promise<unknown>;
  /** The same key with one parameter changed. */
  mismatch(): Promise<unknown>;
}

export interface Model extends LedgerModel {
  done: Done[];
  counter: number;
}

export interface Real {
  db: Db;
  userId: string;
  accountId: string;
  run: string;
}

export type LedgerCommand = fc.AsyncCommand<Model, Real>;

function tick(model: Model, ms = 1000): Date {
  model.now += ms;
  model.counter += 1;
  return new Date(model.now);
}

const keyFor = (model: Model, real: Real, phase: string) => `c3:${real.run}:${model.counter}:${phase}`;

/** Commands executed (not skipped by their check), by name, for the figures line. */
export const executed = new Map<string, number>();

/** Real state equals the model, and the checker passes for this member. */
async function verify(model: Model, real: Real, command: string): Promise<void> {
  executed.set(command, (executed.get(command) ?? 0) + 1);
  expect(await getBalance(real.db, real.userId)).toEqual({ available: model.available, held: model.held });
  const grants = await real.db
    .select({ id: creditGrants.id, remaining: creditGrants.remaining, expired: creditGrants.expired })
    .from(creditGrants)
    .where(eq(creditGrants.accountId, real.accountId));
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
  expect(grants.sort(byId)).toEqual(
    model.grants.map(({ id, remaining, expired }) => ({ id, remaining, expired })).sort(byId),
  );
  const holds = await real.db
    .select({ id: creditHolds.id, status: creditHolds.status, settled: creditHolds.settledAmount })
    .from(creditHolds)
    .where(eq(creditHolds.accountId, real.accountId));
  expect(holds.sort(byId)).toEqual(
    model.holds.map(({ id, status, settled }) => ({ id, status, settled })).sort(byId),
  );
  const report = await checkLedger(real.db, { accountIds: [real.accountId] });
  expect(report.ok, JSON.stringify(report)).toBe(true);
}

export class GrantCommand implements LedgerCommand {
  constructor(
    readonly amount: number,
    readonly expiresInMinutes: number | null,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const at = tick(model);
    const expiresAt =
      this.expiresInMinutes === null ? null : new Date(model.now + minutes(this.expiresInMinutes));
    const input = {
      userId: real.userId,
      amount: this.amount,
      kind: 'admin' as const,
      expiresAt,
      reason: 'model grant',
      idempotencyKey: keyFor(model, real, 'grant'),
      at,
    };
    const result = await grantCredits(real.db, input);
    expect(result.replayed).toBe(false);
    applyGrant(model, { id: result.grantId, amount: this.amount, expiresAt: expiresAt?.getTime() ?? null });
    model.done.push({
      label: this.toString(),
      result,
      replay: (later) => grantCredits(real.db, { ...input, at: later }),
      mismatch: () => grantCredits(real.db, { ...input, amount: this.amount + 1 }),
    });
    await verify(model, real, this.constructor.name);
  }
  toString = () =>
    `grant(${this.amount}, ${this.expiresInMinutes === null ? 'never expires' : `expires in ${this.expiresInMinutes} min`})`;
}

function holdInput(model: Model, real: Real, amount: number, at: Date) {
  return {
    userId: real.userId,
    amount,
    expiresAt: new Date(model.now + minutes(10)),
    reference: `c3-${real.run}-${model.counter}`,
    idempotencyKey: keyFor(model, real, 'hold'),
    at,
  };
}

export class HoldCommand implements LedgerCommand {
  constructor(readonly amount: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const at = tick(model);
    const input = holdInput(model, real, this.amount, at);
    if (!canHold(model, this.amount)) {
      await expectAppError(placeHold(real.db, input), 'insufficient_credits');
    } else {
      const result = await placeHold(real.db, input);
      expect(result.replayed).toBe(false);
      applyHold(model, result.holdId, this.amount);
      model.done.push({
        label: this.toString(),
        result,
        replay: (later) => placeHold(real.db, { ...input, at: later }),
        mismatch: () => placeHold(real.db, { ...input, amount: this.amount + 1 }),
      });
    }
    await verify(model, real, this.constructor.name);
  }
  toString = () => `hold(${this.amount})`;
}

/** Two identical hold requests at once: one effect, two equal answers. */
export class TwinHoldCommand implements LedgerCommand {
  constructor(readonly amount: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const at = tick(model);
    const input = holdInput(model, real, this.amount, at);
    const outcomes = await Promise.allSettled([placeHold(real.db, input), placeHold(real.db, input)]);
    if (!canHold(model, this.amount)) {
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'insufficient_credits' });
      }
    } else {
      const results = outcomes.map((outcome) => {
        if (outcome.status === 'rejected') throw outcome.reason;
        return outcome.value;
      });
      expect(results.map((r) => r.replayed).sort()).toEqual([false, true]);
      expect(results[1]).toEqual({ ...results[0], replayed: results[1]!.replayed });
      applyHold(model, results[0]!.holdId, this.amount);
    }
    await verify(model, real, this.constructor.name);
  }
  toString = () => `twinHold(${this.amount})`;
}

function pickHold(model: Readonly<Model>, pick: number, onlyOpen = false): ModelHold | undefined {
  const holds = onlyOpen ? model.holds.filter((h) => h.status === 'open') : model.holds;
  return holds[pick % Math.max(1, holds.length)];
}

/** Full when `part` is null, otherwise 1 to the held amount. */
const settleAmount = (hold: ModelHold, part: number | null) =>
  part === null ? hold.amount : 1 + (part % hold.amount);

export class SettleCommand implements LedgerCommand {
  constructor(
    readonly pick: number,
    readonly part: number | null,
  ) {}
  check = (model: Readonly<Model>) => model.holds.length > 0;
  async run(model: Model, real: Real) {
    const hold = pickHold(model, this.pick)!;
    const at = tick(model);
    const amount = settleAmount(hold, this.part);
    const input = { holdId: hold.id, amount, idempotencyKey: keyFor(model, real, 'settle'), at };
    if (hold.status !== 'open') {
      await expectAppError(settleHold(real.db, input), 'hold_resolved');
    } else {
      const result = await settleHold(real.db, input);
      expect(result).toEqual({
        holdId: hold.id,
        settled: amount,
        released: hold.amount - amount,
        replayed: false,
      });
      applySettle(model, hold, amount);
      model.done.push({
        label: this.toString(),
        result,
        replay: (later) => settleHold(real.db, { ...input, at: later }),
        mismatch: () => settleHold(real.db, { ...input, amount: amount + 1 }),
      });
    }
    await verify(model, real, this.constructor.name);
  }
  toString = () => `settle(hold #${this.pick}, ${this.part === null ? 'full' : `part ${this.part}`})`;
}

export class VoidCommand implements LedgerCommand {
  constructor(
    readonly pick: number,
    readonly reason: HoldVoidReason,
  ) {}
  check = (model: Readonly<Model>) => model.holds.length > 0;
  async run(model: Model, real: Real) {
    const hold = pickHold(model, this.pick)!;
    const at = tick(model);
    const input = { holdId: hold.id, reason: this.reason, idempotencyKey: keyFor(model, real, 'void'), at };
    if (hold.status !== 'open') {
      await expectAppError(voidHold(real.db, input), 'hold_resolved');
    } else {
      const result = await voidHold(real.db, input);
      expect(result).toEqual({ holdId: hold.id, settled: 0, released: hold.amount, replayed: false });
      applyVoid(model, hold);
      const other = holdVoidReasons.find((reason) => reason !== this.reason)!;
      model.done.push({
        label: this.toString(),
        result,
        replay: (later) => voidHold(real.db, { ...input, at: later }),
        mismatch: () => voidHold(real.db, { ...input, reason: other }),
      });
    }
    await verify(model, real, this.constructor.name);
  }
  toString = () => `void(hold #${this.pick}, ${this.reason})`;
}

/** A settle and a void of one open hold at once: exactly one wins, the other is hold_resolved. */
export class RaceResolveCommand implements LedgerCommand {
  constructor(
    readonly pick: number,
    readonly part: number | null,
  ) {}
  check = (model: Readonly<Model>) => model.holds.some((h) => h.status === 'open');
  async run(model: Model, real: Real) {
    const hold = pickHold(model, this.pick, true)!;
    const at = tick(model);
    const amount = settleAmount(hold, this.part);
    const [settled, voided] = await Promise.allSettled([
      settleHold(real.db, {
        holdId: hold.id,
        amount,
        idempotencyKey: keyFor(model, real, 'race-settle'),
        at,
      }),
      voidHold(real.db, {
        holdId: hold.id,
        reason: 'expiry',
        idempotencyKey: keyFor(model, real, 'race-void'),
        at,
      }),
    ]);
    const winners = [settled, voided].filter((o) => o.status === 'fulfilled');
    expect(winners).toHaveLength(1);
    const loser = [settled, voided].find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toMatchObject({ code: 'hold_resolved' });
    if (settled.status === 'fulfilled') applySettle(model, hold, amount);
    else applyVoid(model, hold);
    await verify(model, real, this.constructor.name);
  }
  toString = () =>
    `raceSettleVoid(open hold #${this.pick}, ${this.part === null ? 'full' : `part ${this.part}`})`;
}

export class ExpireCommand implements LedgerCommand {
  constructor(readonly advanceMinutes: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const now = tick(model, minutes(this.advanceMinutes));
    const result = await expireGrants(real.db, now);
    expect(result).toEqual(applyExpiry(model, model.now));
    await verify(model, real, this.constructor.name);
  }
  toString = () => `advance ${this.advanceMinutes} min and expire`;
}

export class RevokeCommand implements LedgerCommand {
  constructor(
    readonly amount: number,
    readonly allowPartial: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const at = tick(model);
    const input = {
      userId: real.userId,
      amount: this.amount,
      reason: 'model revoke',
      actorId: null,
      idempotencyKey: keyFor(model, real, 'revoke'),
      allowPartial: this.allowPartial,
      at,
    };
    const revoked = applyRevoke(model, this.amount, this.allowPartial);
    if (revoked === null) {
      await expectAppError(revokeCredits(real.db, input), 'insufficient_credits');
    } else {
      const result = await revokeCredits(real.db, input);
      expect(result).toMatchObject({ revoked, unrecovered: this.amount - revoked, replayed: false });
      model.done.push({
        label: this.toString(),
        result,
        replay: (later) => revokeCredits(real.db, { ...input, at: later }),
        mismatch: () => revokeCredits(real.db, { ...input, allowPartial: !this.allowPartial }),
      });
    }
    await verify(model, real, this.constructor.name);
  }
  toString = () => `revoke(${this.amount}, ${this.allowPartial ? 'partial allowed' : 'all or nothing'})`;
}

export class ReplayCommand implements LedgerCommand {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.done.length > 0;
  async run(model: Model, real: Real) {
    const done = model.done[this.pick % model.done.length]!;
    const at = tick(model);
    expect(await done.replay(at)).toEqual({ ...(done.result as object), replayed: true });
    await verify(model, real, this.constructor.name);
  }
  toString = () => `replay(#${this.pick})`;
}

export class MismatchCommand implements LedgerCommand {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.done.length > 0;
  async run(model: Model, real: Real) {
    const done = model.done[this.pick % model.done.length]!;
    tick(model);
    await expectAppError(done.mismatch(), 'idempotency_mismatch');
    await verify(model, real, this.constructor.name);
  }
  toString = () => `reuseKeyWithOtherParameters(#${this.pick})`;
}
