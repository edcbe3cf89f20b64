/**
 * An audit entry's details as readable lines, pure: a `{from, to}` pair
 * becomes "from → to", prices read "standard 3 · hd 4", routes read
 * "provider/model" in order, booleans read on/off in the page's language.
 * The API never stores a secret in the log (a key appears as its hint);
 * fields whose names say "key" or "secret" without being a hint are left
 * out all the same, so a later change there cannot leak one onto the page.
 */

export interface DetailLine {
  field: string;
  /** Set for a change. */
  from?: string;
  to?: string;
  /** Set for a plain value. */
  value?: string;
}

export interface DetailWords {
  on: string;
  off: string;
  none: string;
}

const SECRET_FIELD = /(api_?key|secret|password|token|sealed)/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isChange(value: unknown): value is { from: unknown; to: unknown } {
  return isRecord(value) && Object.keys(value).length === 2 && 'from' in value && 'to' in value;
}

/** One value as text. */
export function formatDetailValue(field: string, value: unknown, words: DetailWords): string {
  if (value === null || value === undefined || value === '') return words.none;
  if (typeof value === 'boolean') return value ? words.on : words.off;
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  if (field === 'pricing' && isRecord(value) && isRecord(value.perImage)) {
    return Object.entries(value.perImage)
      .map(([tier, credits]) => `${tier} ${String(credits)}`)
      .join(' · ');
  }
  if (field === 'routes' && Array.isArray(value)) {
    if (value.length === 0) return words.none;
    return value
      .map((route, index) => {
        if (!isRecord(route)) return JSON.stringify(route);
        const name = `${index + 1}. ${String(route.providerId)}/${String(route.providerModelId)}`;
        return route.enabled === false ? `${name} (${words.off})` : name;
      })
      .join(', ');
  }
  return JSON.stringify(value);
}

export function detailLines(details: Record<string, unknown>, words: DetailWords): DetailLine[] {
  return Object.entries(details)
    .filter(([field]) => !SECRET_FIELD.test(field) || /hint/i.test(field))
    .map(([field, value]) =>
      isChange(value)
        ? {
            field,
            from: formatDetailValue(field, value.from, words),
            to: formatDetailValue(field, value.to, words),
          }
        : { field, value: formatDetailValue(field, value, words) },
    );
}
