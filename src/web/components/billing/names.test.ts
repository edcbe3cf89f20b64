import { describe, expect, it } from 'vitest';
import { createTranslator } from '../../../i18n';
import { messagesByLocale } from '../../../i18n/server';
import type { BillingPlan } from '../../../shared/billing';
import { creditsText, intervalName, invoiceStatusName, itemName, modelName, tierName } from './names';

const en = createTranslator(messagesByLocale.en!);
const zh = createTranslator(messagesByLocale.zh!);

const proMonthly: BillingPlan = {
  id: 'pro-month',
  kind: 'plan',
  tier: 'pro',
  interval: 'month',
  creditsPerPeriod: 500,
  amount: 1000,
  currency: 'usd',
  purchasable: true,
};

describe('creditsText', () => {
  it('counts credits with the plural and digit grouping of the language', () => {
    expect(creditsText(en, 'en', 1)).toBe('1 credit');
    expect(creditsText(en, 'en', 1000)).toBe('1,000 credits');
    expect(creditsText(zh, 'zh', 1000)).toBe('1,000 点');
  });
});

describe('tierName', () => {
  it('uses the translated name of a known tier', () => {
    expect(tierName(en, 'pro')).toBe('Pro');
    expect(tierName(zh, 'pro')).toBe('专业版');
  });

  it('capitalises the id of a tier without a translation', () => {
    expect(tierName(en, 'team-plus')).toBe('Team plus');
    expect(tierName(zh, 'studio_max')).toBe('Studio max');
  });
});

describe('itemName', () => {
  it('names a pack by its credits', () => {
    expect(itemName(en, 'en', { kind: 'pack', itemId: 'p', credits: 1000 }, null)).toBe(
      'Credit pack (1,000 credits)',
    );
    expect(itemName(zh, 'zh', { kind: 'pack', itemId: 'p', credits: 1000 }, null)).toBe('点数包（1,000 点）');
  });

  it('names a plan by tier and interval, or by its id once the catalog no longer has it', () => {
    expect(itemName(en, 'en', { kind: 'plan', itemId: 'pro-month', credits: 500 }, proMonthly)).toBe(
      `Pro · ${intervalName(en, 'month')}`,
    );
    expect(itemName(zh, 'zh', { kind: 'plan', itemId: 'pro-month', credits: 500 }, proMonthly)).toBe(
      '专业版 · 月付',
    );
    expect(itemName(en, 'en', { kind: 'plan', itemId: 'old-plan', credits: 500 }, null)).toBe('old-plan');
  });
});

describe('modelName', () => {
  it('names a model in the page language, falling back to English', () => {
    const name = { en: 'Image model', zh: '图像模型' };
    expect(modelName(name, 'zh')).toBe('图像模型');
    expect(modelName(name, 'en')).toBe('Image model');
    expect(modelName(name, 'fr')).toBe('Image model');
    expect(modelName({ en: 'Image model', zh: '' }, 'zh')).toBe('Image model');
  });
});

describe('invoiceStatusName', () => {
  it("words Stripe's invoice statuses and passes unknown ones through", () => {
    expect(invoiceStatusName(en, 'paid')).toBe('Paid');
    expect(invoiceStatusName(zh, 'void')).toBe('已作废');
    expect(invoiceStatusName(en, 'something_new')).toBe('something_new');
  });
});
