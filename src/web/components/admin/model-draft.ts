/**
 * The model editor's rules, pure: a model as editable drafts (texts as
 * typed), the ordered routes (add, remove, move up and down), prices per
 * tier, why a model is not usable, and the PATCH body built from a draft
 * with the problems found before asking the server. The server checks
 * everything again with the catalog's schemas; checking here first puts
 * each problem next to its field in the admin's language.
 */
import type { MessageKey, MessageVars } from '../../../i18n';
import type {
  AdminModel,
  ModelCapabilities,
  ModelChange,
  ModelPricing,
  RouteInput,
  RouteOptions,
} from './types';

/** A problem found in a draft: a message key and its placeholders. */
export interface Problem {
  key: MessageKey;
  vars?: MessageVars;
}

/** Problems by the API's field path (`nameEn`, `pricing.perImage.standard`, `routes.0.providerModelId`). */
export type Problems = Record<string, Problem>;

/**
 * The limits the server's schemas enforce (src/server/admin/routes.ts and
 * src/server/catalog/capabilities.ts), repeated so the form can say so
 * before sending; a unit test holds built bodies to those schemas.
 */
export const LIMITS = {
  nameLength: 100,
  maxSortOrder: 100_000,
  maxPrice: 100_000,
  maxRoutes: 8,
  providerModelIdLength: 200,
} as const;

/** A whole number in [min, max] typed as text ("12"), or undefined. */
export function parseWholeNumber(text: string, min: number, max: number): number | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,9}$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return value >= min && value <= max ? value : undefined;
}

/** The price tiers a model's sizes or resolutions use, in order of first use (as the server's tiersOf). */
export function tiersOf(capabilities: ModelCapabilities): string[] {
  const entries = 'sizes' in capabilities ? capabilities.sizes : capabilities.resolutions;
  return [...new Set(entries.map((entry) => entry.tier))];
}

/** Why members cannot use a model: switched off, or no route whose provider is on (decision 012). */
export function unusableReason(
  model: Pick<AdminModel, 'enabled' | 'isUsable'>,
): 'disabled' | 'noRoute' | null {
  if (model.isUsable) return null;
  return model.enabled ? 'noRoute' : 'disabled';
}

/** Each tier with its price, in the order the model uses the tiers. */
export function priceList(
  model: Pick<AdminModel, 'capabilities' | 'pricing'>,
): { tier: string; credits: number }[] {
  return tiersOf(model.capabilities).map((tier) => ({ tier, credits: model.pricing.perImage[tier] ?? 0 }));
}

export interface RouteDraft {
  /** Stable identity for the list while routes move (not sent). */
  key: string;
  providerId: string;
  providerModelId: string;
  enabled: boolean;
  /** Fixed provider parameters the route already had (kept as they are, not edited here). */
  options: RouteOptions;
}

export interface ModelDraft {
  enabled: boolean;
  nameEn: string;
  nameZh: string;
  sortOrder: string;
  /** Credits per image by tier, as typed. */
  prices: Record<string, string>;
  routes: RouteDraft[];
}

export function draftOf(model: AdminModel): ModelDraft {
  return {
    enabled: model.enabled,
    nameEn: model.nameEn,
    nameZh: model.nameZh,
    sortOrder: String(model.sortOrder),
    prices: Object.fromEntries(priceList(model).map(({ tier, credits }) => [tier, String(credits)])),
    routes: model.routes.map((route, index) => ({
      key: `r${index}`,
      providerId: route.providerId,
      providerModelId: route.providerModelId,
      enabled: route.enabled,
      options: route.options,
    })),
  };
}

/** The route at `index` swapped with its neighbour `delta` (-1 up, +1 down) away; unchanged at the ends. */
export function moveRoute(routes: readonly RouteDraft[], index: number, delta: -1 | 1): RouteDraft[] {
  const target = index + delta;
  const moving = routes[index];
  const other = routes[target];
  if (!moving || !other) return [...routes];
  const next = [...routes];
  next[index] = other;
  next[target] = moving;
  return next;
}

export function removeRoute(routes: readonly RouteDraft[], index: number): RouteDraft[] {
  return routes.filter((_, i) => i !== index);
}

/** A new last route (a fallback) through `providerId`, with a key no other route has. */
export function addRoute(routes: readonly RouteDraft[], providerId: string): RouteDraft[] {
  const used = routes.map((route) => Number(/^r(\d+)$/.exec(route.key)?.[1] ?? -1));
  const key = `r${Math.max(-1, ...used) + 1}`;
  return [...routes, { key, providerId, providerModelId: '', enabled: true, options: {} }];
}

/** Checks a display name (1-100 characters after trimming). */
export function checkName(value: string, field: string, problems: Problems): string {
  const trimmed = value.trim();
  if (trimmed === '') problems[field] = { key: 'admin.check.required' };
  else if (trimmed.length > LIMITS.nameLength)
    problems[field] = { key: 'admin.check.tooLong', vars: { max: LIMITS.nameLength } };
  return trimmed;
}

/** The pricing for exactly these tiers, each a whole number of credits of at least 1. */
export function pricingFrom(
  tiers: readonly string[],
  prices: Readonly<Record<string, string>>,
  problems: Problems,
): ModelPricing {
  const perImage: Record<string, number> = {};
  for (const tier of tiers) {
    const credits = parseWholeNumber(prices[tier] ?? '', 1, LIMITS.maxPrice);
    if (credits === undefined) {
      problems[`pricing.perImage.${tier}`] = {
        key: 'admin.check.wholeNumber',
        vars: { min: 1, max: LIMITS.maxPrice },
      };
    } else {
      perImage[tier] = credits;
    }
  }
  return { perImage };
}

/** Routes as the API takes them; options only where a route has some. */
export function routesFrom(routes: readonly RouteDraft[], problems: Problems): RouteInput[] {
  if (routes.length > LIMITS.maxRoutes) {
    problems.routes = { key: 'admin.check.tooManyRoutes', vars: { max: LIMITS.maxRoutes } };
  }
  return routes.map((route, index) => {
    const providerModelId = route.providerModelId.trim();
    if (route.providerId === '') problems[`routes.${index}.providerId`] = { key: 'admin.check.required' };
    if (providerModelId === '') problems[`routes.${index}.providerModelId`] = { key: 'admin.check.required' };
    else if (providerModelId.length > LIMITS.providerModelIdLength) {
      problems[`routes.${index}.providerModelId`] = {
        key: 'admin.check.tooLong',
        vars: { max: LIMITS.providerModelIdLength },
      };
    }
    return {
      providerId: route.providerId,
      providerModelId,
      enabled: route.enabled,
      ...(Object.keys(route.options).length > 0 ? { options: route.options } : {}),
    };
  });
}

/**
 * The PATCH body for an edited model: every editable field (the server
 * compares and records only what changed), or the problems to show first.
 */
export function modelChangeFrom(
  model: Pick<AdminModel, 'capabilities'>,
  draft: ModelDraft,
): { ok: true; change: ModelChange } | { ok: false; problems: Problems } {
  const problems: Problems = {};
  const nameEn = checkName(draft.nameEn, 'nameEn', problems);
  const nameZh = checkName(draft.nameZh, 'nameZh', problems);
  const sortOrder = parseWholeNumber(draft.sortOrder, 0, LIMITS.maxSortOrder);
  if (sortOrder === undefined) {
    problems.sortOrder = { key: 'admin.check.wholeNumber', vars: { min: 0, max: LIMITS.maxSortOrder } };
  }
  const pricing = pricingFrom(tiersOf(model.capabilities), draft.prices, problems);
  const routes = routesFrom(draft.routes, problems);
  if (Object.keys(problems).length > 0 || sortOrder === undefined) return { ok: false, problems };
  return { ok: true, change: { enabled: draft.enabled, nameEn, nameZh, sortOrder, pricing, routes } };
}

/** A catalog name in the page's language: Chinese for zh*, English otherwise (as the public API picks). */
export function nameIn(locale: string, item: { nameEn: string; nameZh: string }): string {
  return locale.toLowerCase().startsWith('zh') ? item.nameZh : item.nameEn;
}

/** What uses a tier: the sizes (or resolutions) priced by it, e.g. ["1024x1024", "1536x1024"]. */
export function tierUses(capabilities: ModelCapabilities, tier: string): string[] {
  return 'sizes' in capabilities
    ? capabilities.sizes.filter((entry) => entry.tier === tier).map((entry) => entry.size)
    : capabilities.resolutions.filter((entry) => entry.tier === tier).map((entry) => entry.id);
}
