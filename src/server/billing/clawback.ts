/**
 * Refunds and disputes (issue 5 part 3, reliability S8). Credits bought
 * with a refunded or disputed payment are taken back, once, and never below
 * zero (decision 011's over-revoke policy): the ledger takes what is
 * available and records the rest as `unrecovered` on its transaction and on
 * the order or invoice; the member is told once per refund or dispute. The
 * unrecovered part is not chased (no debt, no negative balance); the event
 * note and the admin's flag list show it so the operator can act (e.g. close
 * the account).
 *
 * How much: a refund claws back the refunded share of the credits
 * (credits × amount_refunded / amount, rounded up), minus what earlier
 * refunds of the same payment took; a dispute claws back everything not yet
 * taken. Refunds arrive with the cumulative `amount_refunded`, so a partial
 * refund followed by another adds only the difference, whatever order the
 * two events are applied in.
 *
 * A refund seen before the purchase it refunds was credited waits
 * (`deferred` on `pi:<payment intent>`); the credit's transaction puts it
 * back in line (a job enqueued with the credit). Both sides first take the
 * payment's advisory lock (`lockPayment`), so a refund can never look for
 * its purchase while that purchase's credit is half done. A refund still
 * waiting after a week is flagged by the reconciler: it refunds nothing we
 * sold.
 */
import { eq, or } from 'drizzle-orm';
import type Stripe from 'stripe';
import { revokeCredits } from '../credits';
import type { Db } from '../db/client';
import { billingInvoices, billingNotices, billingOrders } from '../db/schema';
import type { BillingDeps } from './deps';
import { applied, deferred, idOf, ignored, lockPayment, type ApplyOutcome } from './outcome';

interface Target {
  table: 'order' | 'invoice';
  id: string;
  userId: string;
  credits: number;
  clawedBack: number;
  unrecovered: number;
}

async function findTarget(
  tx: Db,
  paymentIntentId: string | null,
  chargeId: string | null,
): Promise<Target | undefined> {
  if (paymentIntentId) {
    await lockPayment(tx, paymentIntentId);
    const [order] = await tx
      .select()
      .from(billingOrders)
      .where(eq(billingOrders.paymentIntentId, paymentIntentId))
      .for('update');
    if (order && order.kind === 'pack' && order.status === 'paid') {
      return {
        table: 'order',
        id: order.id,
        userId: order.userId,
        credits: order.credits,
        clawedBack: order.creditsClawedBack,
        unrecovered: order.creditsUnrecovered,
      };
    }
  }
  if (paymentIntentId || chargeId) {
    const [invoice] = await tx
      .select()
      .from(billingInvoices)
      .where(
        paymentIntentId && chargeId
          ? or(eq(billingInvoices.paymentIntentId, paymentIntentId), eq(billingInvoices.chargeId, chargeId))
          : paymentIntentId
            ? eq(billingInvoices.paymentIntentId, paymentIntentId)
            : eq(billingInvoices.chargeId, chargeId!),
      )
      .for('update');
    if (invoice) {
      return {
        table: 'invoice',
        id: invoice.id,
        userId: invoice.userId,
        credits: invoice.creditsGranted,
        clawedBack: invoice.creditsClawedBack,
        unrecovered: invoice.creditsUnrecovered,
      };
    }
  }
  return undefined;
}

async function clawBack(
  tx: Db,
  deps: Pick<BillingDeps, 'now'>,
  target: Target,
  wanted: number,
  notice: { kind: 'clawback' | 'dispute'; ref: string },
): Promise<ApplyOutcome> {
  const owed = Math.min(wanted, target.credits) - target.clawedBack - target.unrecovered;
  if (owed <= 0) return applied(`${target.table} ${target.id}: nothing more to take back`);
  const result = await revokeCredits(tx, {
    userId: target.userId,
    amount: owed,
    reason: notice.kind === 'dispute' ? 'dispute' : 'refund',
    actorId: null,
    idempotencyKey: `stripe:${notice.kind}:${notice.ref}`,
    allowPartial: true,
    at: deps.now(),
  });
  const change = {
    creditsClawedBack: target.clawedBack + result.revoked,
    creditsUnrecovered: target.unrecovered + result.unrecovered,
  };
  if (target.table === 'order') {
    await tx.update(billingOrders).set(change).where(eq(billingOrders.id, target.id));
  } else {
    await tx.update(billingInvoices).set(change).where(eq(billingInvoices.id, target.id));
  }
  await tx
    .insert(billingNotices)
    .values({
      userId: target.userId,
      kind: notice.kind,
      ref: notice.ref,
      credits: result.revoked,
      unrecovered: result.unrecovered,
    })
    .onConflictDoNothing();
  const note = `${target.table} ${target.id}: ${result.revoked} credits taken back`;
  return applied(
    result.unrecovered > 0 ? `${note}, ${result.unrecovered} unrecovered (already spent)` : note,
  );
}

export async function applyChargeRefunded(
  tx: Db,
  deps: Pick<BillingDeps, 'now'>,
  charge: Stripe.Charge,
): Promise<ApplyOutcome> {
  const paymentIntentId = idOf(charge.payment_intent);
  const target = await findTarget(tx, paymentIntentId, charge.id);
  if (!target) {
    return paymentIntentId
      ? deferred(`pi:${paymentIntentId}`, `refund of ${charge.id} waits for its purchase to be credited`)
      : ignored(`charge ${charge.id} paid for nothing we sold`);
  }
  if (charge.amount <= 0) return ignored(`charge ${charge.id} has no amount`);
  const share = Math.ceil((target.credits * charge.amount_refunded) / charge.amount);
  return clawBack(tx, deps, target, share, {
    kind: 'clawback',
    ref: `${charge.id}:${charge.amount_refunded}`,
  });
}

export async function applyDisputeCreated(
  tx: Db,
  deps: Pick<BillingDeps, 'now'>,
  dispute: Stripe.Dispute,
): Promise<ApplyOutcome> {
  const paymentIntentId = idOf(dispute.payment_intent);
  const target = await findTarget(tx, paymentIntentId, idOf(dispute.charge));
  if (!target) {
    return paymentIntentId
      ? deferred(`pi:${paymentIntentId}`, `dispute ${dispute.id} waits for its purchase to be credited`)
      : ignored(`dispute ${dispute.id} is about nothing we sold`);
  }
  return clawBack(tx, deps, target, target.credits, { kind: 'dispute', ref: dispute.id });
}
