/**
 * The admin's changes to models (issue 4, part 9): switch a model on or
 * off, set its prices per tier, its names and order, replace its ordered
 * routes (route 0 is the primary, the rest are fallbacks), and add a model,
 * typically one served by an OpenAI-compatible endpoint. Everything is
 * validated by the catalog's own schemas (capabilities.ts), so a model an
 * admin saves is one a request can be checked and priced against. The
 * catalog is read from the database on every request, so a change applies
 * at once on every instance.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import {
  modelDefinitionSchema,
  routeOptionsSchema,
  type ModelCapabilities,
  type ModelPricing,
  type RouteOptions,
} from '../catalog/capabilities';
import { getModel, listModels, type CatalogModel } from '../catalog/list-models';
import type { Db } from '../db/client';
import { modelRoutes, models, providers } from '../db/schema';
import { AppError } from '../errors';
import { fieldErrorsFromZod } from '../http/errors';
import { adapterSpec } from '../providers/adapters';
import { recordAudit, type AuditActor } from './audit';
import { fieldError } from './providers';

export const routeInput = z.strictObject({
  providerId: z.string().min(1).max(40),
  providerModelId: z.string().trim().min(1).max(200),
  options: routeOptionsSchema.optional(),
  enabled: z.boolean().optional(),
});

export type RouteInput = z.infer<typeof routeInput>;

export interface ModelChange {
  enabled?: boolean | undefined;
  nameEn?: string | undefined;
  nameZh?: string | undefined;
  sortOrder?: number | undefined;
  pricing?: ModelPricing | undefined;
  routes?: RouteInput[] | undefined;
}

export interface NewModel {
  id: string;
  nameEn: string;
  nameZh: string;
  descriptionEn?: string | undefined;
  descriptionZh?: string | undefined;
  capabilities: ModelCapabilities;
  pricing: ModelPricing;
  routes: RouteInput[];
  sortOrder?: number | undefined;
}

export async function listAdminModels(db: Db): Promise<CatalogModel[]> {
  return listModels(db, { includeDisabled: true });
}

export async function updateModel(
  db: Db,
  actor: AuditActor,
  modelId: string,
  change: ModelChange,
  at: Date,
): Promise<CatalogModel> {
  await db.transaction(async (tx) => {
    const [row] = await tx.select().from(models).where(eq(models.id, modelId)).for('update');
    if (!row) throw new AppError('not_found');
    const details: Record<string, unknown> = {};
    const set: Partial<typeof models.$inferInsert> = {};
    for (const key of ['enabled', 'nameEn', 'nameZh', 'sortOrder'] as const) {
      const value = change[key];
      if (value !== undefined && value !== row[key]) {
        details[key] = { from: row[key], to: value };
        Object.assign(set, { [key]: value });
      }
    }
    if (change.pricing) {
      checkDefinition(row.capabilities, change.pricing);
      if (JSON.stringify(change.pricing) !== JSON.stringify(row.pricing)) {
        details.pricing = { from: row.pricing, to: change.pricing };
        set.pricing = change.pricing;
      }
    }
    if (change.routes) {
      const before = await tx
        .select({
          providerId: modelRoutes.providerId,
          providerModelId: modelRoutes.providerModelId,
          options: modelRoutes.options,
          enabled: modelRoutes.enabled,
        })
        .from(modelRoutes)
        .where(eq(modelRoutes.modelId, modelId))
        .orderBy(asc(modelRoutes.position));
      const after = normalizeRoutes(change.routes);
      if (JSON.stringify(before) !== JSON.stringify(after)) {
        await checkProviders(tx, after);
        await tx.delete(modelRoutes).where(eq(modelRoutes.modelId, modelId));
        if (after.length > 0) {
          await tx
            .insert(modelRoutes)
            .values(after.map((route, position) => ({ ...route, modelId, position })));
        }
        details.routes = { from: before, to: after };
      }
    }
    if (Object.keys(details).length === 0) return;
    await tx
      .update(models)
      .set({ ...set, updatedAt: at })
      .where(eq(models.id, modelId));
    await recordAudit(
      tx,
      actor,
      { action: 'model.update', targetType: 'model', targetId: modelId, details },
      at,
    );
  });
  return requireModel(db, modelId);
}

export async function addModel(db: Db, actor: AuditActor, input: NewModel, at: Date): Promise<CatalogModel> {
  checkDefinition(input.capabilities, input.pricing);
  const routes = normalizeRoutes(input.routes);
  if (routes.length === 0) throw fieldError('routes', 'validation.required');
  await db.transaction(async (tx) => {
    await checkProviders(tx, routes);
    const inserted = await tx
      .insert(models)
      .values({
        id: input.id,
        nameEn: input.nameEn,
        nameZh: input.nameZh,
        descriptionEn: input.descriptionEn ?? null,
        descriptionZh: input.descriptionZh ?? null,
        capabilities: input.capabilities,
        pricing: input.pricing,
        sortOrder: input.sortOrder ?? 100,
        enabled: true,
        createdAt: at,
        updatedAt: at,
      })
      .onConflictDoNothing()
      .returning({ id: models.id });
    if (inserted.length === 0) throw fieldError('id', 'validation.idTaken');
    await tx
      .insert(modelRoutes)
      .values(routes.map((route, position) => ({ ...route, modelId: input.id, position })));
    await recordAudit(
      tx,
      actor,
      {
        action: 'model.create',
        targetType: 'model',
        targetId: input.id,
        details: { nameEn: input.nameEn, pricing: input.pricing, routes },
      },
      at,
    );
  });
  return requireModel(db, input.id);
}

function normalizeRoutes(
  routes: readonly RouteInput[],
): { providerId: string; providerModelId: string; options: RouteOptions; enabled: boolean }[] {
  return routes.map((route) => ({
    providerId: route.providerId,
    providerModelId: route.providerModelId,
    options: route.options ?? {},
    enabled: route.enabled ?? true,
  }));
}

function checkDefinition(capabilities: unknown, pricing: ModelPricing): void {
  const parsed = modelDefinitionSchema.safeParse({ capabilities, pricing });
  if (!parsed.success) {
    throw new AppError('validation_failed', {
      fields: fieldErrorsFromZod(parsed.error, { capabilities, pricing }),
    });
  }
}

async function checkProviders(db: Db, routes: readonly { providerId: string }[]): Promise<void> {
  const ids = [...new Set(routes.map((route) => route.providerId))];
  const rows = await db
    .select({ id: providers.id, adapter: providers.adapter })
    .from(providers)
    .where(inArray(providers.id, ids));
  // A text provider (prompt help, decision 017) cannot serve an image route.
  const found = new Set(rows.filter((r) => adapterSpec(r.adapter)?.kind !== 'text').map((r) => r.id));
  const index = routes.findIndex((route) => !found.has(route.providerId));
  if (index >= 0) throw fieldError(`routes.${index}.providerId`, 'validation.invalidValue');
}

async function requireModel(db: Db, modelId: string): Promise<CatalogModel> {
  const model = await getModel(db, modelId);
  if (!model) throw new AppError('not_found');
  return model;
}
