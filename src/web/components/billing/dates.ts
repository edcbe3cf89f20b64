/**
 * Dates on the billing pages: renewal and end dates, invoice periods. A
 * billing date is a day, so no time is shown; order dates keep theirs (two
 * orders on one day are told apart).
 */

function valid(iso: string | null): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "April 1, 2027", "2027年4月1日"; empty for a missing or broken date. */
export function formatDay(locale: string, iso: string | null): string {
  const date = valid(iso);
  return date ? new Intl.DateTimeFormat(locale, { dateStyle: 'long' }).format(date) : '';
}

/** "Mar 4, 2027, 2:05 PM": when an order was placed. */
export function formatMoment(locale: string, iso: string | null): string {
  const date = valid(iso);
  return date
    ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
    : '';
}

/**
 * "March 1, 2027 – April 1, 2027": an invoice's period; empty when either
 * end is unknown. Two whole days rather than Intl's formatRange, whose
 * Chinese ranges fall back to "2027/3/1 – 2027/4/1".
 */
export function formatPeriod(locale: string, start: string | null, end: string | null): string {
  const from = formatDay(locale, start);
  const to = formatDay(locale, end);
  return from && to ? `${from} – ${to}` : '';
}
