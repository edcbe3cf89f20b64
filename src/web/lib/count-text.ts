/**
 * Numbers in words: a count with the plural form of the language ("1 credit",
 * "4 credits"). Here rather than with the generation pages because the
 * header's balance chip, on every page, needs it too.
 */
import type { MessageKey, Translator } from '../../i18n';

const pluralRules = new Map<string, Intl.PluralRules>();

/** CLDR's plural category, reduced to the two forms the message files carry. */
export function pluralForm(locale: string, count: number): 'one' | 'other' {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  return rules.select(count) === 'one' ? 'one' : 'other';
}

export function formatNumber(locale: string, value: number): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** Message families with a `.one` and an `.other` form and a `{count}` placeholder. */
export type CountMessage = 'generation.credits' | 'generation.images' | 'nav.balance';

/** "1 credit", "4 credits", "4 张图片": the count formatted for the language, in its plural form. */
export function countText(t: Translator, locale: string, message: CountMessage, count: number): string {
  const key = `${message}.${pluralForm(locale, count)}` as MessageKey;
  return t(key, { count: formatNumber(locale, count) });
}
