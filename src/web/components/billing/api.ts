/** The billing API calls of the pricing, billing and checkout-result pages, typed, in the page's language. */
import type { Translator } from '../../../i18n';
import type {
  BillingCatalogView,
  BillingOverview,
  BillingSubscriptionView,
  CheckoutResponse,
  OrderStatusResponse,
  PortalResponse,
} from '../../../shared/billing';
import { ApiError, apiFetch } from '../../lib/api';

export function getCatalog(locale: string): Promise<BillingCatalogView> {
  return apiFetch('/api/billing/catalog', { locale });
}

export function getOverview(locale: string): Promise<BillingOverview> {
  return apiFetch('/api/billing', { locale });
}

export function startCheckout(itemId: string, locale: string): Promise<CheckoutResponse> {
  return apiFetch('/api/billing/checkout', { body: { itemId, lang: locale }, locale });
}

export function getOrder(orderId: string, locale: string): Promise<OrderStatusResponse> {
  return apiFetch(orderPath(orderId), { locale });
}

export function cancelSubscription(locale: string): Promise<BillingSubscriptionView> {
  return apiFetch('/api/billing/subscription/cancel', { method: 'POST', body: {}, locale });
}

export function resumeSubscription(locale: string): Promise<BillingSubscriptionView> {
  return apiFetch('/api/billing/subscription/resume', { method: 'POST', body: {}, locale });
}

export function changePlan(planId: string, locale: string): Promise<BillingSubscriptionView> {
  return apiFetch('/api/billing/subscription/change', { body: { planId }, locale });
}

export function openPortal(locale: string): Promise<PortalResponse> {
  return apiFetch('/api/billing/portal', { body: { lang: locale }, locale });
}

function orderPath(orderId: string): string {
  return `/api/billing/orders/${encodeURIComponent(orderId)}`;
}

/** The API's localized message for a failed call, or the shell's generic one. */
export function errorText(t: Translator, error: unknown): string {
  if (error instanceof ApiError) {
    return error.code === 'network' ? t('error.network') : error.message || t('error.internal');
  }
  return t('error.internal');
}

/** Whether a failed call may succeed if simply repeated (no answer, or a server hiccup). */
export function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);
}
