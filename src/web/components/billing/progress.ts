/**
 * The checkout result page's reading of an order. Stripe sends the member
 * back before its webhook has reached us, so the page polls the order and
 * shows its real state: credits added (for plans: the plan active), a
 * delayed payment still processing, a failed payment, or still waiting.
 * After about a minute of waiting it stops and says so: the credits arrive
 * on their own when the webhook does.
 */
import type { OrderStatusResponse } from '../../../shared/billing';

export type CheckoutState = 'waiting' | 'processing' | 'paid' | 'failed' | 'slow';

export const POLL_INTERVAL_MS = 1_000;
export const POLL_LIMIT_MS = 60_000;

export function checkoutState(response: OrderStatusResponse | null, elapsedMs: number): CheckoutState {
  const order = response?.order;
  if (order) {
    if (order.status === 'failed' || order.status === 'expired') return 'failed';
    // A plan is there when its subscription gives access; a pack when its order is paid.
    const done = order.kind === 'plan' ? response.subscription?.hasAccess === true : order.status === 'paid';
    if (done) return 'paid';
    if (order.status === 'processing') return 'processing';
  }
  return elapsedMs >= POLL_LIMIT_MS ? 'slow' : 'waiting';
}

/** Whether to ask again: not once the outcome is known, and not past the time limit. */
export function keepPolling(state: CheckoutState, elapsedMs: number): boolean {
  if (state === 'paid' || state === 'failed' || state === 'slow') return false;
  return elapsedMs < POLL_LIMIT_MS;
}
