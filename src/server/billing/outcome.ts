/** What applying one inbox event did; becomes the row's status and note. */
export type ApplyOutcome =
  | { status: 'applied'; note?: string }
  | { status: 'ignored'; note: string }
  | { status: 'flagged'; note: string }
  | { status: 'deferred'; note: string; deferKey: string };

export const applied = (note?: string): ApplyOutcome => ({ status: 'applied', ...(note ? { note } : {}) });
export const ignored = (note: string): ApplyOutcome => ({ status: 'ignored', note });
export const flagged = (note: string): ApplyOutcome => ({ status: 'flagged', note });
export const deferred = (deferKey: string, note: string): ApplyOutcome => ({
  status: 'deferred',
  note,
  deferKey,
});

/** Stripe expands some fields to objects; the platform only ever needs their ids. */
export function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') {
    return (value as { id: string }).id;
  }
  return null;
}

export const fromUnix = (seconds: unknown): Date | null =>
  typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : null;
