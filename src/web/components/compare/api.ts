/** The comparison API calls of the compare page, typed, in the page's language. */
import { apiFetch } from '../../lib/api';
import type { AcceptedComparison, Comparison, ComparisonSummary, CompareRequest } from './compare-form';

/** How many recent comparisons the page lists. */
export const RECENT_COMPARISONS = 5;

export function createComparison(
  body: CompareRequest,
  options: { locale: string; idempotencyKey: string },
): Promise<AcceptedComparison> {
  return apiFetch('/api/compare', {
    body,
    locale: options.locale,
    headers: { 'idempotency-key': options.idempotencyKey },
  });
}

export function getComparison(compareId: string, locale: string): Promise<Comparison> {
  return apiFetch(`/api/compare/${encodeURIComponent(compareId)}`, { locale });
}

export async function listComparisons(locale: string): Promise<ComparisonSummary[]> {
  return (
    await apiFetch<{ items: ComparisonSummary[] }>(`/api/compare?limit=${RECENT_COMPARISONS}`, { locale })
  ).items;
}
