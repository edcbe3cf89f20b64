/**
 * Prices on the billing pages. The API counts money as Stripe does, in the
 * currency's smallest unit (cents); these turn that into the page language's
 * own notation ("$9.99", "US$9.99", "¥680") with Intl, which knows how many
 * decimals each currency has (two for USD and EUR, none for JPY). Whole
 * amounts drop their ".00" so a price card reads "$10", not "$10.00".
 */

const fallbackDigits = 2;

/** Decimals of a currency's minor unit: 2 for "usd", 0 for "jpy", 3 for "kwd". */
export function minorUnitDigits(currency: string): number {
  try {
    const options = new Intl.NumberFormat('en', {
      style: 'currency',
      currency: currency.toUpperCase(),
    }).resolvedOptions();
    return options.maximumFractionDigits ?? fallbackDigits;
  } catch {
    return fallbackDigits;
  }
}

/** `amount` minor units of `currency` in `locale`'s notation, e.g. (en, 999, "usd") → "$9.99". */
export function formatMoney(locale: string, amount: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const value = amount / 10 ** digits;
  const whole = Number.isInteger(value);
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: whole ? 0 : digits,
      maximumFractionDigits: digits,
    }).format(value);
  } catch {
    // An unknown currency code: the number and the code, rather than nothing.
    return `${new Intl.NumberFormat(locale, { minimumFractionDigits: whole ? 0 : digits }).format(value)} ${currency.toUpperCase()}`;
  }
}

/** A yearly price spread over twelve months, in minor units (rounded to the nearest unit). */
export function monthlyShare(yearlyAmount: number): number {
  return Math.round(yearlyAmount / 12);
}
