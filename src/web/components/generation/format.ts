/**
 * Texts made of numbers: counts with the right plural, the cost line, the
 * elapsed-time counter, signed ledger amounts, dates. Pure (the translator
 * and language are passed in), so each rule has a unit test.
 */
import type { Translator } from '../../../i18n';
import { countText } from '../../lib/count-text';
import type { CostBreakdown } from './pricing';
import type { Generation, GenerationStatus } from './types';

export { countText, formatNumber, pluralForm, type CountMessage } from '../../lib/count-text';

/** "4 images × 1 credit = 4 credits". */
export function costSummary(t: Translator, locale: string, cost: CostBreakdown): string {
  return t('generate.cost.summary', {
    images: countText(t, locale, 'generation.images', cost.images),
    perImage: countText(t, locale, 'generation.credits', cost.perImage),
    total: countText(t, locale, 'generation.credits', cost.total),
  });
}

export const terminalStatuses: readonly GenerationStatus[] = ['succeeded', 'failed', 'canceled'];

export function isTerminal(status: GenerationStatus): boolean {
  return terminalStatuses.includes(status);
}

/**
 * What a generation cost, as far as is known: held while it runs, charged
 * when it succeeded (possibly only part, for the images that came), refunded
 * when it failed or was canceled.
 */
export function costNote(
  t: Translator,
  locale: string,
  generation: Pick<Generation, 'status' | 'cost' | 'charged'>,
): string {
  const credits = (count: number) => countText(t, locale, 'generation.credits', count);
  const { status, cost, charged } = generation;
  if (!isTerminal(status)) return t('generation.cost.held', { credits: credits(cost) });
  if (cost === 0) return t('generation.cost.free');
  const paid = charged ?? (status === 'succeeded' ? cost : 0);
  if (paid >= cost) return t('generation.cost.charged', { credits: credits(paid) });
  if (paid > 0) {
    return t('generation.cost.partial', { charged: credits(paid), refunded: credits(cost - paid) });
  }
  return t('generation.cost.refunded', { credits: credits(cost) });
}

/**
 * Milliseconds a generation has taken: from the server's own timestamps once
 * it has finished (both from one clock); while it runs, from when this
 * browser submitted it (its own clock, so a skewed server clock cannot show
 * a negative or jumping counter), else from its creation time.
 * `now` 0 means "no clock yet" (server render), which shows 0.
 */
export function elapsedMs(
  generation: Pick<Generation, 'status' | 'createdAt' | 'finishedAt'>,
  now: number,
  localStart?: number,
): number {
  if (isTerminal(generation.status)) {
    const end = generation.finishedAt ? Date.parse(generation.finishedAt) : NaN;
    const start = Date.parse(generation.createdAt);
    return Number.isFinite(end) && Number.isFinite(start) ? Math.max(0, end - start) : 0;
  }
  if (now === 0) return 0;
  const start = localStart ?? Date.parse(generation.createdAt);
  return Number.isFinite(start) ? Math.max(0, now - start) : 0;
}

/** A stopwatch: "0:07", "1:05", "1:02:03" (whole seconds, rounded down). */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** "+5", "−3", "0": a ledger change with its sign (a true minus sign, as typography wants). */
export function signedNumber(locale: string, value: number): string {
  return new Intl.NumberFormat(locale, { signDisplay: 'exceptZero' }).format(value).replace('-', '\u2212');
}

/** A date and time in the reader's language and time zone, e.g. "Mar 4, 2027, 14:05". */
export function formatDateTime(locale: string, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A prompt cut to a length for titles and alt texts, at a word boundary when one is near. */
export function truncate(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}
