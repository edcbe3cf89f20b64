/**
 * The `stripe` client, built once from the settings. STRIPE_API_BASE points
 * it elsewhere (the local fake in tests and `npm run dev:fakes`). Network
 * retries are the client's own (it reuses the request's Idempotency-Key on
 * each retry, so a POST that reached Stripe is not done twice); every POST
 * the platform makes passes a key derived from its own record (decision 020).
 */
import Stripe from 'stripe';
import type { BillingSettings } from './settings';

export type StripeClient = Stripe;

export function createStripeClient(settings: BillingSettings): Stripe | undefined {
  if (!settings.enabled || !settings.secretKey) return undefined;
  const base = settings.apiBase;
  return new Stripe(settings.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'imagegen-platform' },
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? ('https' as const) : ('http' as const),
        }
      : {}),
  });
}
