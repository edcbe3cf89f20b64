import { describe, expect, it } from 'vitest';
import type { BillingPack, BillingPlan } from '../../../shared/billing';
import { changeTargets, findItem, findPlan, groupPlans, planIntervals, yearlySavingPercent } from './catalog';

function plan(
  id: string,
  tier: string,
  interval: 'month' | 'year',
  amount: number,
  extra: Partial<BillingPlan> = {},
): BillingPlan {
  return {
    id,
    kind: 'plan',
    tier,
    interval,
    creditsPerPeriod: interval === 'month' ? 500 : 6000,
    amount,
    currency: 'usd',
    purchasable: true,
    ...extra,
  };
}

const pack: BillingPack = {
  id: 'pack-1k',
  kind: 'pack',
  credits: 1000,
  amount: 1000,
  currency: 'usd',
  purchasable: true,
};

const plans = [
  plan('pro-year', 'pro', 'year', 9600),
  plan('basic-month', 'basic', 'month', 500),
  plan('pro-month', 'pro', 'month', 1000),
  plan('basic-year', 'basic', 'year', 6000),
];

describe('groupPlans', () => {
  it('pairs the monthly and yearly plan of each tier, tiers in catalog order', () => {
    expect(groupPlans(plans)).toEqual([
      { tier: 'pro', month: plans[2], year: plans[0] },
      { tier: 'basic', month: plans[1], year: plans[3] },
    ]);
  });

  it('leaves an interval a tier does not sell empty, and keeps the first of duplicates', () => {
    const duplicate = plan('pro-month-2', 'pro', 'month', 1200);
    expect(groupPlans([plans[2]!, duplicate])).toEqual([{ tier: 'pro', month: plans[2], year: null }]);
    expect(groupPlans([])).toEqual([]);
  });
});

describe('planIntervals', () => {
  it('lists the intervals on sale, monthly first', () => {
    expect(planIntervals(plans)).toEqual(['month', 'year']);
    expect(planIntervals([plans[0]!])).toEqual(['year']);
    expect(planIntervals([])).toEqual([]);
  });
});

describe('yearlySavingPercent', () => {
  it('compares the yearly price with twelve monthly ones, rounding down', () => {
    // 12 × $10 = $120 against $96: 20 %.
    expect(yearlySavingPercent({ tier: 'pro', month: plans[2]!, year: plans[0]! })).toBe(20);
    // 12 × $5 = $60 against $59.99: 0.0167 % rounds down to nothing.
    expect(
      yearlySavingPercent({
        tier: 'b',
        month: plan('m', 'b', 'month', 500),
        year: plan('y', 'b', 'year', 5999),
      }),
    ).toBeNull();
    // 12 × $9.99 = $119.88 against $99.99: 16.59 % → 16.
    expect(
      yearlySavingPercent({
        tier: 'c',
        month: plan('m', 'c', 'month', 999),
        year: plan('y', 'c', 'year', 9999),
      }),
    ).toBe(16);
  });

  it('says nothing without both plans, across currencies, or when yearly costs more', () => {
    expect(yearlySavingPercent({ tier: 'pro', month: plans[2]!, year: null })).toBeNull();
    expect(yearlySavingPercent({ tier: 'pro', month: null, year: plans[0]! })).toBeNull();
    expect(
      yearlySavingPercent({
        tier: 'x',
        month: plans[2]!,
        year: plan('y', 'x', 'year', 9600, { currency: 'eur' }),
      }),
    ).toBeNull();
    expect(
      yearlySavingPercent({ tier: 'x', month: plans[2]!, year: plan('y', 'x', 'year', 12000) }),
    ).toBeNull();
  });
});

describe('changeTargets', () => {
  it('offers every plan on sale but the current one', () => {
    const notSold = plan('team-month', 'team', 'month', 3000, { purchasable: false });
    expect(changeTargets([...plans, notSold], 'pro-month').map((p) => p.id)).toEqual([
      'pro-year',
      'basic-month',
      'basic-year',
    ]);
    expect(changeTargets(plans, null)).toHaveLength(4);
  });
});

describe('findItem and findPlan', () => {
  const catalog = { packs: [pack], plans };

  it('finds packs and plans by kind and id', () => {
    expect(findItem(catalog, 'pack', 'pack-1k')).toBe(pack);
    expect(findItem(catalog, 'plan', 'basic-year')).toBe(plans[3]);
    expect(findItem(catalog, 'plan', 'pack-1k')).toBeNull();
    expect(findItem(null, 'pack', 'pack-1k')).toBeNull();
    expect(findPlan(catalog, 'pro-month')).toBe(plans[2]);
    expect(findPlan(catalog, null)).toBeNull();
    expect(findPlan(catalog, 'gone')).toBeNull();
  });
});
