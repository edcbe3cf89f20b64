/** The Stripe event types the platform acts on (decision 020); every other type is stored as ignored. */
export const handledEventTypes = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'invoice.paid',
  'invoice.payment_failed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'charge.refunded',
  'charge.dispute.created',
] as const;

const handled = new Set<string>(handledEventTypes);

export function isHandledEventType(type: string): boolean {
  return handled.has(type);
}
