/**
 * POST /api/webhooks/stripe (issue 5 part 3, decision 020).
 *
 * 1. The signature is checked on the raw bytes before anything is parsed,
 *    by the `stripe` library with our clock: an event older than the
 *    tolerance (300 s) is refused. The library does not look at timestamps
 *    from the future, so we add the rule: a timestamp more than the same
 *    tolerance ahead of our clock is refused too (a symmetric window).
 * 2. One transaction stores the event in the inbox (its id is the primary
 *    key) and enqueues the job that applies it. A duplicate delivery finds
 *    the row and adds nothing.
 * 3. Only after that commit is 2xx answered; anything short of it (the
 *    database down, a failed insert) propagates as 5xx, so Stripe retries.
 */
import type Stripe from 'stripe';
import { stripeEvents } from '../db/schema';
import { AppError } from '../errors';
import type { BillingDeps } from './deps';
import { isHandledEventType } from './event-types';
import { idOf } from './outcome';
import { enqueueStripeEvent } from './queue';
import { requireStripe } from './checkout';

export type ReceiveOutcome = { stored: true; duplicate: boolean; eventId: string };

/** Parses `t=` from a Stripe-Signature header (undefined when absent or malformed). */
export function signatureTimestamp(header: string): number | undefined {
  for (const part of header.split(',')) {
    const [key, value] = part.split('=');
    if (key?.trim() === 't' && value && /^\d{1,12}$/.test(value.trim())) return Number(value.trim());
  }
  return undefined;
}

export function verifyStripeEvent(
  deps: Pick<BillingDeps, 'settings' | 'now'> & { stripe: Stripe },
  rawBody: Uint8Array,
  signature: string | undefined,
): Stripe.Event {
  const secret = deps.settings.webhookSecret;
  if (!secret) throw new AppError('not_configured', { detail: 'STRIPE_WEBHOOK_SECRET is not set' });
  if (!signature) throw new AppError('invalid_signature', { detail: 'no Stripe-Signature header' });
  const tolerance = deps.settings.webhookToleranceSeconds;
  const nowMs = deps.now().getTime();
  const timestamp = signatureTimestamp(signature);
  if (timestamp !== undefined && timestamp - Math.floor(nowMs / 1000) > tolerance) {
    throw new AppError('invalid_signature', {
      detail: `signature timestamp is ${timestamp - Math.floor(nowMs / 1000)} s in the future`,
    });
  }
  try {
    return deps.stripe.webhooks.constructEvent(
      Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength),
      signature,
      secret,
      tolerance,
      undefined,
      nowMs,
    );
  } catch (error) {
    throw new AppError('invalid_signature', { detail: (error as Error).message });
  }
}

/**
 * Stores a verified (or reconciler-found) event and its job in one
 * transaction. An event of a type the platform does not act on is stored as
 * `ignored` at once, with no job: most of what Stripe sends about a payment
 * (payment_intent.*, charge.succeeded, customer.*) is only a record.
 */
export async function storeStripeEvent(
  deps: Pick<BillingDeps, 'db' | 'boss' | 'now'>,
  event: Stripe.Event,
  source: 'webhook' | 'reconciler',
): Promise<'stored' | 'stored_ignored' | 'duplicate'> {
  const acted = isHandledEventType(event.type);
  return deps.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(stripeEvents)
      .values({
        id: event.id,
        type: event.type,
        createdAt: new Date(event.created * 1000),
        livemode: event.livemode,
        payload: event,
        objectId: idOf((event.data.object as { id?: unknown }).id),
        source,
        ...(acted
          ? {}
          : { status: 'ignored' as const, note: `${event.type} is not acted on`, appliedAt: deps.now() }),
      })
      .onConflictDoNothing({ target: stripeEvents.id })
      .returning({ id: stripeEvents.id });
    if (!inserted) return 'duplicate';
    if (!acted) return 'stored_ignored';
    await enqueueStripeEvent(deps.boss, tx, event.id);
    return 'stored';
  });
}

export async function receiveStripeWebhook(
  deps: BillingDeps,
  rawBody: Uint8Array,
  signature: string | undefined,
): Promise<ReceiveOutcome> {
  const stripe = requireStripe(deps);
  const event = verifyStripeEvent({ ...deps, stripe }, rawBody, signature);
  if (typeof event.id !== 'string' || typeof event.type !== 'string' || !event.data?.object) {
    throw new AppError('validation_failed', { detail: 'not a Stripe event' });
  }
  const stored = await storeStripeEvent(deps, event, 'webhook');
  // Only a job needs a worker woken; an ignored event is done once stored.
  if (stored === 'stored') deps.wakeEventWorker();
  return { stored: true, duplicate: stored === 'duplicate', eventId: event.id };
}
