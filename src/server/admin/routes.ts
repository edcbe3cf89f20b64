/**
 * The admin JSON API (issue 4, part 9). Every route answers 404 unless the
 * session is an admin's (require-admin.ts).
 *   GET   /api/admin/providers
 *   POST  /api/admin/providers                 -> add an OpenAI-compatible endpoint
 *   PATCH /api/admin/providers/:id             -> key, base URL, on/off, names
 *   POST  /api/admin/providers/:id/test        -> { ok, code, status?, latencyMs }
 *   GET   /api/admin/models
 *   POST  /api/admin/models                    -> add a model
 *   PATCH /api/admin/models/:id                -> on/off, prices, routes, names, order
 *   GET   /api/admin/audit?cursor&limit
 *   GET   /api/admin/users?query&cursor&limit    -> members with their balances
 *   POST  /api/admin/users/:id/credits         -> grant (amount > 0) or revoke (amount < 0)
 * Keys go in, never out: responses carry a key's source and hint only.
 */
import { attentionStatuses, listStripeEventsForAdmin } from '../billing/admin-events';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { modelCapabilitiesSchema, modelPricingSchema } from '../catalog/capabilities';
import type { CatalogModel } from '../catalog/list-models';
import { AppError } from '../errors';
import type { AppDeps, AppEnv } from '../http/context';
import { fieldErrorsFromZod, parseJsonBody } from '../http/errors';
import { providerKeyBox } from '../providers/credentials';
import type { AuditActor } from './audit';
import { listAudit } from './audit';
import { adjustCredits, creditAdjustmentInput, listMembers } from './members';
import { addModel, listAdminModels, routeInput, updateModel } from './models';
import {
  addCompatibleProvider,
  listAdminProviders,
  testConnection,
  updateProvider,
  type ProviderAdminDeps,
} from './providers';
import { requireAdmin } from './require-admin';

/** A key as providers issue them: printable, no spaces. */
const apiKey = z
  .string()
  .trim()
  .min(8)
  .max(500)
  .regex(/^[\x21-\x7e]+$/);
const baseUrl = z
  .url({ protocol: /^https?$/ })
  .max(500)
  .transform((url) => url.replace(/\/+$/, ''));
const name = z.string().trim().min(1).max(100);
const catalogId = z
  .string()
  .regex(/^[a-z0-9]+([.-][a-z0-9]+)*$/)
  .max(64);

const providerChange = z.strictObject({
  enabled: z.boolean().optional(),
  baseUrl: baseUrl.nullable().optional(),
  apiKey: apiKey.optional(),
  removeKey: z.literal(true).optional(),
  nameEn: name.optional(),
  nameZh: name.optional(),
});

const newProvider = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
  nameEn: name,
  nameZh: name,
  baseUrl,
  apiKey: apiKey.optional(),
});

const modelChange = z.strictObject({
  enabled: z.boolean().optional(),
  nameEn: name.optional(),
  nameZh: name.optional(),
  sortOrder: z.int().min(0).max(100_000).optional(),
  pricing: modelPricingSchema.optional(),
  routes: z.array(routeInput).max(8).optional(),
});

const newModel = z.strictObject({
  id: catalogId,
  nameEn: name,
  nameZh: name,
  descriptionEn: z.string().trim().max(500).optional(),
  descriptionZh: z.string().trim().max(500).optional(),
  capabilities: modelCapabilitiesSchema,
  pricing: modelPricingSchema,
  routes: z.array(routeInput).min(1).max(8),
  sortOrder: z.int().min(0).max(100_000).optional(),
});

const stripeEventQuery = z.object({
  status: z.enum(attentionStatuses).default('flagged'),
  cursor: z.iso.datetime().pipe(z.coerce.date()).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const auditQuery = z.object({
  cursor: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const memberQuery = z.object({
  query: z.string().trim().max(320).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** The admin's view of a model: everything, routes included (provider model ids are not secret to admins). */
function modelView(model: CatalogModel) {
  return {
    id: model.id,
    nameEn: model.nameEn,
    nameZh: model.nameZh,
    descriptionEn: model.descriptionEn,
    descriptionZh: model.descriptionZh,
    enabled: model.enabled,
    isUsable: model.isUsable,
    sortOrder: model.sortOrder,
    capabilities: model.capabilities,
    pricing: model.pricing,
    routes: model.routes.map((route) => ({
      position: route.position,
      providerId: route.provider.id,
      providerModelId: route.providerModelId,
      options: route.options,
      enabled: route.enabled,
      isAvailable: route.isAvailable,
    })),
    updatedAt: model.updatedAt.toISOString(),
  };
}

export function adminRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const db = deps.database.db;
  const providerDeps: ProviderAdminDeps = {
    db,
    keyBox: providerKeyBox(deps.config.appSecret),
    registry: deps.generation.providers,
    env: deps.config.providerEnv,
    now: deps.now,
  };
  const actorOf = async (c: Context<AppEnv>): Promise<AuditActor> => {
    const user = await requireAdmin(deps, c);
    return { id: user.id, email: user.email, ip: c.get('info').clientIp };
  };
  const param = (c: Context<AppEnv>) => c.req.param('id') ?? '';

  app.get('/providers', async (c) => {
    await requireAdmin(deps, c);
    return c.json({ providers: await listAdminProviders(providerDeps) });
  });
  app.post('/providers', async (c) => {
    const actor = await actorOf(c);
    const body = await parseJsonBody(c, newProvider);
    return c.json({ provider: await addCompatibleProvider(providerDeps, actor, body) }, 201);
  });
  app.patch('/providers/:id', async (c) => {
    const actor = await actorOf(c);
    const body = await parseJsonBody(c, providerChange);
    return c.json({ provider: await updateProvider(providerDeps, actor, param(c), body) });
  });
  app.post('/providers/:id/test', async (c) => {
    await requireAdmin(deps, c);
    return c.json(await testConnection(providerDeps, param(c)));
  });

  app.get('/models', async (c) => {
    await requireAdmin(deps, c);
    return c.json({ models: (await listAdminModels(db)).map(modelView) });
  });
  app.post('/models', async (c) => {
    const actor = await actorOf(c);
    const body = await parseJsonBody(c, newModel);
    return c.json({ model: modelView(await addModel(db, actor, body, deps.now())) }, 201);
  });
  app.patch('/models/:id', async (c) => {
    const actor = await actorOf(c);
    const body = await parseJsonBody(c, modelChange);
    return c.json({ model: modelView(await updateModel(db, actor, param(c), body, deps.now())) });
  });

  app.get('/audit', async (c) => {
    await requireAdmin(deps, c);
    const query = auditQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new AppError('validation_failed', {
        fields: [{ field: 'limit', message: 'validation.invalidValue' }],
      });
    }
    return c.json(await listAudit(db, query.data));
  });

  app.get('/billing/events', async (c) => {
    await requireAdmin(deps, c);
    const query = stripeEventQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new AppError('validation_failed', { fields: fieldErrorsFromZod(query.error, c.req.query()) });
    }
    const { cursor, ...rest } = query.data;
    return c.json(await listStripeEventsForAdmin(db, { ...rest, ...(cursor ? { before: cursor } : {}) }));
  });

  app.get('/users', async (c) => {
    await requireAdmin(deps, c);
    const query = memberQuery.safeParse(c.req.query());
    if (!query.success) {
      throw new AppError('validation_failed', { fields: fieldErrorsFromZod(query.error, c.req.query()) });
    }
    return c.json(await listMembers(db, query.data));
  });
  app.post('/users/:id/credits', async (c) => {
    const actor = await actorOf(c);
    const body = await parseJsonBody(c, creditAdjustmentInput);
    const result = await adjustCredits(db, actor, param(c), body, deps.now());
    return c.json({ adjustment: result }, result.replayed ? 200 : 201);
  });

  // Anything else under /api/admin is as absent for admins as for everyone.
  app.all('*', async (c) => {
    await requireAdmin(deps, c);
    throw new AppError('not_found');
  });
  return app;
}
