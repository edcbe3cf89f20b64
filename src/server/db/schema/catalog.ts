/**
 * The model catalog (decision 012): providers, the models users pick, and
 * each model's ordered routes to providers (route 0 is the primary, the rest
 * are fallbacks in order). Models, prices and fallbacks are data that admins
 * edit; adapters get the provider's model id from a route, never from code.
 *
 * The jsonb columns are typed here and validated by the zod schemas in
 * src/server/catalog/capabilities.ts on every read and write.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import type {
  ModelCapabilities,
  ModelPricing,
  ProviderSettings,
  RouteOptions,
} from '../../catalog/capabilities';
import { users } from './auth';
import { timestamps } from './columns';

export const providers = pgTable(
  'providers',
  {
    /** Stable id that adapters are registered under: "local", "openai", "fal", "openai_compatible"… */
    id: text('id').primaryKey(),
    nameEn: text('name_en').notNull(),
    nameZh: text('name_zh').notNull(),
    /**
     * Which adapter serves this provider: its own id for the built-in ones
     * ("openai", "fal"…); an admin's extra OpenAI-compatible endpoint has an
     * id of its own and the adapter "openai_compatible".
     */
    adapter: text('adapter').notNull(),
    /** Off until an admin has entered a key (the built-in `local` provider needs none). */
    enabled: boolean('enabled').notNull().default(false),
    sortOrder: integer('sort_order').notNull().default(0),
    /** Non-secret settings such as a base-URL override; the API key lives in provider_credentials. */
    settings: jsonb('settings').$type<ProviderSettings>().notNull().default({}),
    ...timestamps,
  },
  (t) => [check('providers_id_format', sql`${t.id} ~ '^[a-z][a-z0-9_]{0,39}$'`)],
);

/**
 * A provider's API key, sealed with a key derived from APP_SECRET
 * (security/secret-box.ts, decision 016). Its own table so that reading the
 * catalog never touches a secret; only the adapter factory opens it.
 */
export const providerCredentials = pgTable('provider_credentials', {
  providerId: text('provider_id')
    .primaryKey()
    .references(() => providers.id, { onDelete: 'cascade' }),
  sealedKey: text('sealed_key').notNull(),
  /** What admins see of the key: its last four characters. */
  keyHint: text('key_hint').notNull(),
  updatedBy: text('updated_by').references(() => users.id, { onDelete: 'set null' }),
  ...timestamps,
});

export const models = pgTable(
  'models',
  {
    /** Our stable slug ("gpt-image-2", "seedream-4.5"): in URLs, the API, saved preferences and generations. */
    id: text('id').primaryKey(),
    nameEn: text('name_en').notNull(),
    nameZh: text('name_zh').notNull(),
    descriptionEn: text('description_en'),
    descriptionZh: text('description_zh'),
    capabilities: jsonb('capabilities').$type<ModelCapabilities>().notNull(),
    pricing: jsonb('pricing').$type<ModelPricing>().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    sortOrder: integer('sort_order').notNull().default(0),
    ...timestamps,
  },
  // No index beyond the key: the catalog is tens of rows and is read whole.
  (t) => [check('models_id_format', sql`${t.id} ~ '^[a-z0-9]+([.-][a-z0-9]+)*$' and length(${t.id}) <= 64`)],
);

export const modelRoutes = pgTable(
  'model_routes',
  {
    modelId: text('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    /** 0 is the primary route; fallbacks follow in ascending order. Gaps are allowed. */
    position: integer('position').notNull(),
    /** A provider with routes cannot be deleted, only disabled. */
    providerId: text('provider_id')
      .notNull()
      .references(() => providers.id, { onDelete: 'restrict' }),
    /** The provider's own id for the model, e.g. "fal-ai/flux/schnell"; the only place adapters get it. */
    providerModelId: text('provider_model_id').notNull(),
    /** Fixed provider parameters passed to the adapter (e.g. OpenAI quality, which the price assumes). */
    options: jsonb('options').$type<RouteOptions>().notNull().default({}),
    enabled: boolean('enabled').notNull().default(true),
    ...timestamps,
  },
  (t) => [
    // the key also serves "the routes of a model, in order"
    primaryKey({ name: 'model_routes_pkey', columns: [t.modelId, t.position] }),
    // "which models does this provider serve" (admin, before disabling a provider) and the FK check on delete
    index('model_routes_provider_id_idx').on(t.providerId),
    check('model_routes_position_non_negative', sql`${t.position} >= 0`),
  ],
);

/**
 * Every built-in catalog entry the seed has ever inserted ("provider:fal",
 * "model:seedream-4", "route:seedream-4:1"). The seed inserts an entry only
 * once, so an admin's deletion is not undone at the next boot, while entries
 * added in a later release still arrive.
 */
export const catalogSeedEntries = pgTable('catalog_seed_entries', {
  key: text('key').primaryKey(),
  seededAt: timestamp('seeded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * One row whose version a trigger moves in the transaction of every change to
 * providers, models or model_routes (migration 0009), so each process keeps
 * the parsed catalog in memory and knows from one primary-key read whether it
 * is still current (catalog/list-models.ts). The new version becomes visible
 * with the change's commit, never before it.
 */
export const catalogVersion = pgTable(
  'catalog_version',
  {
    id: integer('id').primaryKey().default(1),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  (t) => [check('catalog_version_single_row', sql`${t.id} = 1`)],
);

export type ProviderRow = typeof providers.$inferSelect;
export type ProviderCredentialRow = typeof providerCredentials.$inferSelect;
export type ModelRow = typeof models.$inferSelect;
export type ModelRouteRow = typeof modelRoutes.$inferSelect;
