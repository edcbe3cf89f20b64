/**
 * Reading a member's comparisons: one comparison's columns (each a full
 * GenerationView, in column order), and the recent comparisons as a short
 * list. Scoped by the owner like every generation query: another member's
 * comparison is not found (404), never "forbidden".
 */
import { and, asc, desc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Locale } from '../../i18n';
import { pickLocalized } from '../catalog/public-model';
import type { Db } from '../db/client';
import { generations, models, type GenerationStatus } from '../db/schema';
import { AppError } from '../errors';
import { getGeneration, isUuid, type GenerationView } from '../generations/queries';

export interface ComparisonView {
  compareId: string;
  prompt: string;
  createdAt: string;
  /** One per column, in column order. */
  generations: GenerationView[];
}

export interface ComparisonSummary {
  compareId: string;
  prompt: string;
  createdAt: string;
  columns: { generationId: string; modelId: string; modelName: string; status: GenerationStatus }[];
}

/** A comparison's columns, or 404 when it is not the member's (or every column has been deleted). */
export async function requireComparison(
  db: Db,
  userId: string,
  compareId: string,
  locale: Locale,
): Promise<ComparisonView> {
  if (!isUuid(compareId)) throw new AppError('not_found');
  // Columns are created 1 ms apart in column order (create-comparison.ts); the id only breaks a tie.
  const rows = await db
    .select({ id: generations.id })
    .from(generations)
    .where(and(eq(generations.userId, userId), eq(generations.compareId, compareId)))
    .orderBy(asc(generations.createdAt), asc(generations.id));
  const views: GenerationView[] = [];
  for (const row of rows) {
    const view = await getGeneration(db, userId, row.id, locale);
    if (view) views.push(view);
  }
  const first = views[0];
  if (!first) throw new AppError('not_found');
  return { compareId, prompt: first.prompt, createdAt: first.createdAt, generations: views };
}

/** How many recent comparisons the list shows at most. */
export const MAX_RECENT_COMPARISONS = 50;

interface SummaryColumn {
  generationId: string;
  modelId: string;
  status: GenerationStatus;
  nameEn: string | null;
  nameZh: string | null;
}

/** The member's most recent comparisons, newest first, with each column's model and status. */
export async function listComparisons(
  db: Db,
  userId: string,
  options: { limit: number; locale: Locale },
): Promise<ComparisonSummary[]> {
  const createdAt = sql<Date>`min(${generations.createdAt})`.mapWith(generations.createdAt);
  const rows = await db
    .select({
      compareId: generations.compareId,
      createdAt,
      prompt: sql<string>`(array_agg(${generations.prompt} order by ${generations.createdAt}))[1]`,
      columns: sql<SummaryColumn[]>`json_agg(json_build_object(
        'generationId', ${generations.id}, 'modelId', ${generations.modelId}, 'status', ${generations.status},
        'nameEn', ${models.nameEn}, 'nameZh', ${models.nameZh}
      ) order by ${generations.createdAt}, ${generations.id})`,
    })
    .from(generations)
    .leftJoin(models, eq(models.id, generations.modelId))
    .where(and(eq(generations.userId, userId), isNotNull(generations.compareId)))
    .groupBy(generations.compareId)
    .orderBy(desc(createdAt))
    .limit(Math.min(options.limit, MAX_RECENT_COMPARISONS));
  return rows.map((row) => ({
    compareId: row.compareId!,
    prompt: row.prompt,
    createdAt: row.createdAt.toISOString(),
    columns: row.columns.map((column) => ({
      generationId: column.generationId,
      modelId: column.modelId,
      modelName: column.nameEn ? pickLocalized(options.locale, column.nameEn, column.nameZh) : column.modelId,
      status: column.status,
    })),
  }));
}
