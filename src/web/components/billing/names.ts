/**
 * The words for what is sold: "1,000 credits", a tier's name, "Monthly",
 * "Credit pack (1,000 credits)". Shared by the pricing, billing and
 * checkout-result pages (the `billingItem` messages travel with each of
 * their bundles). Tier ids come from the operator's configuration, so a
 * tier without a translated name shows its id, capitalised.
 */
import type { MessageKey, Translator } from '../../../i18n';
import type { BillingItemKind, ModelPriceExample, PlanInterval } from '../../../shared/billing';
import { formatNumber, pluralForm } from '../../lib/count-text';
import type { CatalogItem } from './catalog';

/** "1 credit", "1,000 credits", "1,000 点". */
export function creditsText(t: Translator, locale: string, count: number): string {
  return t(`billingItem.credits.${pluralForm(locale, count)}`, { count: formatNumber(locale, count) });
}

/** The tier's translated name, else its id with a capital letter ("team-plus" → "Team plus"). */
export function tierName(t: Translator, tier: string): string {
  const key = `billingItem.tier.${tier}` as MessageKey;
  const translated = t(key);
  if (translated !== key) return translated;
  const words = tier.replace(/[-_]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : tier;
}

export function intervalName(t: Translator, interval: PlanInterval): string {
  return t(`billingItem.interval.${interval}`);
}

/**
 * What an order bought, for tables and the checkout result: the pack's
 * credits, the plan's tier and interval. An item the catalog no longer lists
 * is named by its credits (packs) or its id (plans).
 */
export function itemName(
  t: Translator,
  locale: string,
  order: { kind: BillingItemKind; itemId: string; credits: number },
  item: CatalogItem | null,
): string {
  if (order.kind === 'pack') return t('billingItem.pack', { credits: creditsText(t, locale, order.credits) });
  if (item?.kind === 'plan') {
    return t('billingItem.plan', { tier: tierName(t, item.tier), interval: intervalName(t, item.interval) });
  }
  return order.itemId;
}

/** A model's name in the page language (English when there is no other). */
export function modelName(name: ModelPriceExample['name'], locale: string): string {
  const localized = locale in name ? name[locale as keyof typeof name] : '';
  return localized || name.en;
}

const invoiceStatuses = ['draft', 'open', 'paid', 'void', 'uncollectible'] as const;

/** Stripe's invoice status in words; a status Stripe adds later shows as it is. */
export function invoiceStatusName(t: Translator, status: string): string {
  const known = invoiceStatuses.find((s) => s === status);
  return known ? t(`billing.invoiceStatus.${known}`) : status;
}
