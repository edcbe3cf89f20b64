/**
 * Reads the catalog: models with their routes, each route with its provider,
 * and the jsonb columns parsed by their zod schemas.
 *
 * Availability (decision 012): a route is available when it and its provider
 * are enabled. A model is usable when it is enabled and has an available
 * route; its primary route is the first available one (so a model whose
 * route 0 provider has no key yet still works through a fallback that has
 * one), and the model is listed under that route's provider.
 *
 * A row whose JSON does not parse (only possible by editing the database by
 * hand: writes go through the schemas) is left out and reported through
 * `onInvalid`, so one bad row neither reaches an adapter nor takes the
 * whole catalog down.
 *
 * Each process keeps the parsed catalog in memory and checks, with one
 * primary-key read of `catalog_version`, that it is current before use: a
 * trigger moves that version in the transaction of any change to providers,
 * models or routes (migration 0009), so an admin's edit in any process, or
 * one typed into psql, is seen by the next read everywhere. This took the
 * join and the zod parsing (about 2 ms on PGlite) off every submit.
 */
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  catalogVersion,
  modelRoutes,
  models,
  providers,
  type ModelRouteRow,
  type ModelRow,
  type ProviderRow,
} from '../db/schema';
import {
  modelDefinitionSchema,
  providerSettingsSchema,
  routeOptionsSchema,
  type ModelDefinition,
  type ProviderSettings,
  type RouteOptions,
} from './capabilities';

export interface CatalogProvider {
  id: string;
  /** The adapter that serves it (providers/adapters.ts). */
  adapter: string;
  nameEn: string;
  nameZh: string;
  enabled: boolean;
  sortOrder: number;
  settings: ProviderSettings;
}

export interface CatalogRoute {
  position: number;
  provider: CatalogProvider;
  /** The provider's own model id: what the adapter sends. */
  providerModelId: string;
  options: RouteOptions;
  enabled: boolean;
  /** Enabled, and so is its provider: a generation may use it. */
  isAvailable: boolean;
}

export interface CatalogModel extends ModelDefinition {
  id: string;
  nameEn: string;
  nameZh: string;
  descriptionEn: string | null;
  descriptionZh: string | null;
  enabled: boolean;
  sortOrder: number;
  /** Every valid route by position; a generation tries the available ones in this order. */
  routes: CatalogRoute[];
  /** The provider of the primary route (the first available one, else route 0); null without routes. */
  provider: CatalogProvider | null;
  isUsable: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface CatalogProblem {
  table: 'providers' | 'models' | 'model_routes';
  /** The row's key: provider id, model id, or "modelId:position". */
  id: string;
  message: string;
}

export interface ReadCatalogOptions {
  /** Called for each row left out because its JSON does not parse; log it. */
  onInvalid?: (problem: CatalogProblem) => void;
  /**
   * The catalog's version as a statement of the caller's read it just now
   * (catalogVersionColumn): then no statement of its own checks it.
   */
  version?: number | null;
}

/**
 * The catalog's current version as a column of another statement, so that
 * a caller on a hot path reads it with a statement it runs anyway.
 */
export const catalogVersionColumn = () =>
  sql<
    number | null
  >`(select ${catalogVersion.version} from ${catalogVersion} where ${catalogVersion.id} = 1)`.mapWith(
    (value: unknown) => (value === null ? null : Number(value)),
  );

export interface ListModelsOptions extends ReadCatalogOptions {
  /** Also models that are disabled or have no available route (the admin console). */
  includeDisabled?: boolean;
}

/** All valid models, ordered by their provider's sort order, then their own; by default only usable ones. */
export async function listModels(db: Db, options: ListModelsOptions = {}): Promise<CatalogModel[]> {
  const catalog = await currentCatalog(db);
  const report = options.onInvalid;
  if (report) for (const problem of catalog.problems) report(problem);
  const listed = options.includeDisabled ? catalog.models : catalog.models.filter((m) => m.isUsable);
  return listed.map((model) => structuredClone(model));
}

/** One model by id, usable or not (check `isUsable`); undefined when unknown or invalid. */
export async function getModel(
  db: Db,
  id: string,
  options: ReadCatalogOptions = {},
): Promise<CatalogModel | undefined> {
  const catalog = await currentCatalog(db, options.version);
  const report = options.onInvalid;
  if (report) for (const problem of catalog.problems) if (concerns(problem, id)) report(problem);
  const model = catalog.byId.get(id);
  return model && structuredClone(model);
}

interface Catalog {
  version: number;
  /** Sorted as listModels returns them. Callers get copies, so these stay as read. */
  models: CatalogModel[];
  byId: Map<string, CatalogModel>;
  problems: CatalogProblem[];
}

/** Per database handle (a transaction's handle is never cached: it has its own snapshot). */
const catalogs = new WeakMap<Db, Catalog>();

async function currentCatalog(db: Db, known?: number | null): Promise<Catalog> {
  const [row] =
    known === undefined
      ? await db
          .select({ version: catalogVersion.version })
          .from(catalogVersion)
          .where(eq(catalogVersion.id, 1))
      : known === null
        ? []
        : [{ version: known }];
  const cached = catalogs.get(db);
  if (row && cached?.version === row.version) return cached;
  const problems: CatalogProblem[] = [];
  const models = (await readModels(db, { onInvalid: (problem) => problems.push(problem) })).sort(
    compareModels,
  );
  const catalog = {
    version: row?.version ?? -1,
    models,
    byId: new Map(models.map((m) => [m.id, m])),
    problems,
  };
  // Read after the version, so at worst a change that committed in between is
  // cached under the older version and read again next time; never the reverse.
  if (row) catalogs.set(db, catalog);
  return catalog;
}

/** Whether a problem row belongs to the model (its own row or one of its routes). */
function concerns(problem: CatalogProblem, modelId: string): boolean {
  if (problem.table === 'models') return problem.id === modelId;
  if (problem.table === 'model_routes') return problem.id.startsWith(`${modelId}:`);
  return true;
}

function compareModels(a: CatalogModel, b: CatalogModel): number {
  // Models without a provider (no routes) go last.
  const pa = a.provider;
  const pb = b.provider;
  if (pa && pb) {
    if (pa.sortOrder !== pb.sortOrder) return pa.sortOrder - pb.sortOrder;
    if (pa.id !== pb.id) return pa.id < pb.id ? -1 : 1;
  } else if (pa !== pb) {
    return pa ? -1 : 1;
  }
  if (a.sortOrder !== b.sortOrder) return a.sortOrder - b.sortOrder;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** One query (a consistent snapshot): models left-joined to their routes and the routes' providers. */
async function readModels(db: Db, options: ReadCatalogOptions): Promise<CatalogModel[]> {
  const rows = await db
    .select({ model: models, route: modelRoutes, provider: providers })
    .from(models)
    .leftJoin(modelRoutes, eq(modelRoutes.modelId, models.id))
    .leftJoin(providers, eq(providers.id, modelRoutes.providerId))
    .orderBy(asc(models.id), asc(modelRoutes.position));

  const report = options.onInvalid ?? (() => {});
  const providerCache = new Map<string, CatalogProvider | null>();
  const byModel = new Map<string, { row: ModelRow; routes: CatalogRoute[] }>();
  for (const { model, route, provider } of rows) {
    let entry = byModel.get(model.id);
    if (!entry) {
      entry = { row: model, routes: [] };
      byModel.set(model.id, entry);
    }
    if (!route || !provider) continue;
    const parsedProvider = toProvider(provider, providerCache, report);
    const parsedRoute = parsedProvider && toRoute(route, parsedProvider, report);
    if (parsedRoute) entry.routes.push(parsedRoute);
  }

  const result: CatalogModel[] = [];
  for (const { row, routes } of byModel.values()) {
    const definition = modelDefinitionSchema.safeParse({
      capabilities: row.capabilities,
      pricing: row.pricing,
    });
    if (!definition.success) {
      report({ table: 'models', id: row.id, message: definition.error.message });
      continue;
    }
    const primary = routes.find((r) => r.isAvailable) ?? routes[0];
    result.push({
      id: row.id,
      nameEn: row.nameEn,
      nameZh: row.nameZh,
      descriptionEn: row.descriptionEn,
      descriptionZh: row.descriptionZh,
      capabilities: definition.data.capabilities,
      pricing: definition.data.pricing,
      enabled: row.enabled,
      sortOrder: row.sortOrder,
      routes,
      provider: primary?.provider ?? null,
      isUsable: row.enabled && routes.some((r) => r.isAvailable),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
  return result;
}

function toProvider(
  row: ProviderRow,
  cache: Map<string, CatalogProvider | null>,
  report: (problem: CatalogProblem) => void,
): CatalogProvider | null {
  const cached = cache.get(row.id);
  if (cached !== undefined) return cached;
  const settings = providerSettingsSchema.safeParse(row.settings);
  if (!settings.success) report({ table: 'providers', id: row.id, message: settings.error.message });
  // Routes through a provider with unreadable settings are left out: guessing
  // (dropping a base-URL override, say) could send requests somewhere else.
  const provider = settings.success
    ? {
        id: row.id,
        adapter: row.adapter,
        nameEn: row.nameEn,
        nameZh: row.nameZh,
        enabled: row.enabled,
        sortOrder: row.sortOrder,
        settings: settings.data,
      }
    : null;
  cache.set(row.id, provider);
  return provider;
}

function toRoute(
  row: ModelRouteRow,
  provider: CatalogProvider,
  report: (problem: CatalogProblem) => void,
): CatalogRoute | null {
  const options = routeOptionsSchema.safeParse(row.options);
  if (!options.success) {
    report({ table: 'model_routes', id: `${row.modelId}:${row.position}`, message: options.error.message });
    return null;
  }
  return {
    position: row.position,
    provider,
    providerModelId: row.providerModelId,
    options: options.data,
    enabled: row.enabled,
    isAvailable: row.enabled && provider.enabled,
  };
}
