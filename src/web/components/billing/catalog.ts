/**
 * The catalog as the billing pages arrange it. The API lists plans flat, a
 * monthly and a yearly plan per tier; the pricing page shows one card per
 * tier for the chosen interval, the billing page offers the plans a member
 * could switch to, and the orders table names what each order bought.
 */
import type {
  BillingCatalogView,
  BillingItemKind,
  BillingPack,
  BillingPlan,
  PlanInterval,
} from '../../../shared/billing';

export interface PlanTier {
  tier: string;
  month: BillingPlan | null;
  year: BillingPlan | null;
}

/** One entry per tier, in the order the catalog first names each tier. */
export function groupPlans(plans: readonly BillingPlan[]): PlanTier[] {
  const tiers = new Map<string, PlanTier>();
  for (const plan of plans) {
    let tier = tiers.get(plan.tier);
    if (!tier) {
      tier = { tier: plan.tier, month: null, year: null };
      tiers.set(plan.tier, tier);
    }
    // The first plan of a tier and interval wins; the catalog should not list two.
    tier[plan.interval] ??= plan;
  }
  return [...tiers.values()];
}

const intervalOrder: readonly PlanInterval[] = ['month', 'year'];

/** The intervals the catalog sells, monthly first: the pricing page's toggle (hidden when only one). */
export function planIntervals(plans: readonly BillingPlan[]): PlanInterval[] {
  return intervalOrder.filter((interval) => plans.some((plan) => plan.interval === interval));
}

/**
 * What a yearly plan saves against twelve months of its tier's monthly plan,
 * in whole percent (rounded down, so it never overstates); null when there
 * is nothing to compare or no saving.
 */
export function yearlySavingPercent(tier: PlanTier): number | null {
  const { month, year } = tier;
  if (!month || !year || month.currency !== year.currency || month.amount <= 0) return null;
  const fullYear = month.amount * 12;
  if (year.amount >= fullYear) return null;
  const percent = Math.floor(((fullYear - year.amount) / fullYear) * 100);
  return percent > 0 ? percent : null;
}

/** The plans a subscriber could move to: every plan on sale except the one they have. */
export function changeTargets(plans: readonly BillingPlan[], currentPlanId: string | null): BillingPlan[] {
  return plans.filter((plan) => plan.purchasable && plan.id !== currentPlanId);
}

export type CatalogItem = BillingPack | BillingPlan;

/** The catalog's pack or plan of that kind and id, if it still sells it. */
export function findItem(
  catalog: Pick<BillingCatalogView, 'packs' | 'plans'> | null,
  kind: BillingItemKind,
  itemId: string,
): CatalogItem | null {
  if (!catalog) return null;
  const items: readonly CatalogItem[] = kind === 'pack' ? catalog.packs : catalog.plans;
  return items.find((item) => item.id === itemId) ?? null;
}

export function findPlan(
  catalog: Pick<BillingCatalogView, 'plans'> | null,
  planId: string | null,
): BillingPlan | null {
  if (!catalog || planId === null) return null;
  return catalog.plans.find((plan) => plan.id === planId) ?? null;
}
