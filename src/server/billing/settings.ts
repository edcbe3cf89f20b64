/**
 * Billing settings and the catalog of what is for sale (issue 5 part 1,
 * decision 020). config.ts merges `billingEnvShape` into its schema and
 * stays the only reader of process.env.
 *
 * The catalog is configuration, not database rows: a pack or plan is tied
 * to a Stripe price that the operator creates in Stripe's dashboard, so it
 * changes with a deploy, not from an admin form. The built-in catalog (two
 * packs, one plan monthly and yearly) is replaced as a whole by
 * `BILLING_CATALOG` (JSON); price ids come from `STRIPE_PRICE_<ITEM ID>` or
 * from the JSON. An item without a price id is shown but not sold.
 */
import { z } from 'zod';
import { emptyToUndefined, intVar } from '../providers/env';

export interface CatalogPack {
  id: string;
  credits: number;
  /** Shown on the pricing page, in minor units; the charge is the Stripe price's own amount. */
  amount: number;
  currency: string;
  priceId: string | null;
}

export interface CatalogPlan {
  id: string;
  tier: string;
  interval: 'month' | 'year';
  creditsPerPeriod: number;
  amount: number;
  currency: string;
  priceId: string | null;
}

export interface BillingCatalog {
  packs: CatalogPack[];
  plans: CatalogPlan[];
}

export interface BillingSettings {
  /** True when both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set. */
  enabled: boolean;
  secretKey: string | undefined;
  webhookSecret: string | undefined;
  /** Where the Stripe API is (a fake in tests); Stripe's own when unset. */
  apiBase: URL | undefined;
  /** How far a signature's timestamp may be from our clock, either way (decision 020). */
  webhookToleranceSeconds: number;
  /** How often the reconciler runs; 0 turns the schedule off (the command still works). */
  reconcileIntervalMinutes: number;
  /** How far back the reconciler looks (Stripe's List Events keeps 30 days). */
  reconcileLookbackDays: number;
  catalog: BillingCatalog;
}

const itemId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, _ and - (max 40)');
const currency = z.string().regex(/^[a-z]{3}$/, 'a lower-case ISO currency code such as usd');
const priceId = z.string().min(1).max(200).nullable().optional();

const catalogSchema = z
  .object({
    packs: z
      .array(
        z.object({
          id: itemId,
          credits: z.number().int().min(1).max(1_000_000),
          amount: z.number().int().min(0),
          currency,
          priceId,
        }),
      )
      .max(20),
    plans: z
      .array(
        z.object({
          id: itemId,
          tier: itemId,
          interval: z.enum(['month', 'year']),
          creditsPerPeriod: z.number().int().min(1).max(10_000_000),
          amount: z.number().int().min(0),
          currency,
          priceId,
        }),
      )
      .max(20),
  })
  .superRefine((catalog, context) => {
    const ids = [...catalog.packs, ...catalog.plans].map((item) => item.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) context.addIssue({ code: 'custom', message: `item id ${duplicate} is used twice` });
  });

export const defaultCatalog: BillingCatalog = {
  packs: [
    { id: 'pack_100', credits: 100, amount: 500, currency: 'usd', priceId: null },
    { id: 'pack_500', credits: 500, amount: 2000, currency: 'usd', priceId: null },
  ],
  plans: [
    {
      id: 'pro_monthly',
      tier: 'pro',
      interval: 'month',
      creditsPerPeriod: 1000,
      amount: 1500,
      currency: 'usd',
      priceId: null,
    },
    {
      id: 'pro_yearly',
      tier: 'pro',
      interval: 'year',
      creditsPerPeriod: 12_000,
      amount: 15_000,
      currency: 'usd',
      priceId: null,
    },
  ],
};

export const billingEnvShape = {
  STRIPE_SECRET_KEY: z.preprocess(emptyToUndefined, z.string().min(8).optional()),
  STRIPE_WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().min(8).optional()),
  /** e.g. http://127.0.0.1:12111 for a local fake; Stripe's API when unset. */
  STRIPE_API_BASE: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: intVar(300, 30, 3600),
  STRIPE_RECONCILE_INTERVAL_MINUTES: intVar(60, 0, 24 * 60),
  STRIPE_RECONCILE_LOOKBACK_DAYS: intVar(30, 1, 30),
  /** Replaces the built-in catalog: {"packs":[…],"plans":[…]} (see README). */
  BILLING_CATALOG: z.preprocess(emptyToUndefined, z.string().optional()),
};

type BillingEnv = z.output<z.ZodObject<typeof billingEnvShape>>;

/** The env variable that names an item's Stripe price: `pro_monthly` → `STRIPE_PRICE_PRO_MONTHLY`. */
export function priceEnvName(id: string): string {
  return `STRIPE_PRICE_${id.toUpperCase().replace(/-/g, '_')}`;
}

/** Builds the settings; returns problems (one line each) instead of throwing, for config.ts to report. */
export function billingSettingsFromEnv(
  env: BillingEnv,
  source: Readonly<Record<string, string | undefined>>,
): { settings: BillingSettings; problems: string[] } {
  const problems: string[] = [];
  let catalog = structuredClone(defaultCatalog);
  if (env.BILLING_CATALOG) {
    let json: unknown;
    try {
      json = JSON.parse(env.BILLING_CATALOG);
    } catch {
      problems.push('BILLING_CATALOG: not valid JSON');
    }
    if (json !== undefined) {
      const parsed = catalogSchema.safeParse(json);
      if (parsed.success) {
        catalog = {
          packs: parsed.data.packs.map((p) => ({ ...p, priceId: p.priceId ?? null })),
          plans: parsed.data.plans.map((p) => ({ ...p, priceId: p.priceId ?? null })),
        };
      } else {
        for (const issue of parsed.error.issues) {
          problems.push(`BILLING_CATALOG: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
        }
      }
    }
  }
  for (const item of [...catalog.packs, ...catalog.plans]) {
    const fromEnv = source[priceEnvName(item.id)]?.trim();
    if (fromEnv) item.priceId = fromEnv;
  }
  const prices = [...catalog.packs, ...catalog.plans].map((item) => item.priceId).filter(Boolean);
  const duplicatePrice = prices.find((id, i) => prices.indexOf(id) !== i);
  if (duplicatePrice) problems.push(`STRIPE_PRICE_*: price ${duplicatePrice} is given to two items`);
  if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
    problems.push(
      'STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: set both to sell credits (or neither to turn billing off)',
    );
  }
  return {
    settings: {
      enabled: Boolean(env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET),
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      apiBase: env.STRIPE_API_BASE ? new URL(env.STRIPE_API_BASE) : undefined,
      webhookToleranceSeconds: env.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
      reconcileIntervalMinutes: env.STRIPE_RECONCILE_INTERVAL_MINUTES,
      reconcileLookbackDays: env.STRIPE_RECONCILE_LOOKBACK_DAYS,
      catalog,
    },
    problems,
  };
}

/** Finds a pack or plan by id. */
export function findItem(
  catalog: BillingCatalog,
  id: string,
): ({ kind: 'pack' } & CatalogPack) | ({ kind: 'plan' } & CatalogPlan) | undefined {
  const pack = catalog.packs.find((p) => p.id === id);
  if (pack) return { kind: 'pack', ...pack };
  const plan = catalog.plans.find((p) => p.id === id);
  return plan ? { kind: 'plan', ...plan } : undefined;
}

/** The plan sold under a Stripe price, if any. */
export function planForPrice(catalog: BillingCatalog, priceId: string): CatalogPlan | undefined {
  return catalog.plans.find((p) => p.priceId === priceId);
}
