/**
 * Generations: a member's request for images and what came of it. The row is
 * the record of a generation; pg-boss jobs only carry it out (a lost job row
 * is repaired by the sweeper from this table, never the other way round).
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './auth';
import { creditHolds } from './credits';

export const generationStatuses = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type GenerationStatus = (typeof generationStatuses)[number];
export const terminalStatuses: readonly GenerationStatus[] = ['succeeded', 'failed', 'canceled'];

/** PendingWork (providers/types.ts) as stored, with the route it was submitted on. */
export interface StoredPendingWork {
  providerId: string;
  requestId: string;
  data?: Record<string, string>;
  /** The route's position: a rerun resumes only on the same route. */
  route: number;
  submittedAt: string;
}

/** One provider call: which route, how long, and how it ended. */
export interface GenerationAttempt {
  provider: string;
  providerModelId: string;
  route: number;
  startedAt: string;
  latencyMs: number;
  /** A ProviderError code, or absent on success. */
  errorCode?: string;
}

export const generations = pgTable(
  'generations',
  {
    id: uuid('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The catalog model id; no foreign key, so history survives a model's removal. */
    modelId: text('model_id').notNull(),
    status: text('status', { enum: generationStatuses }).notNull().default('queued'),
    prompt: text('prompt').notNull(),
    negativePrompt: text('negative_prompt'),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    size: text('size'),
    resolution: text('resolution'),
    aspectRatio: text('aspect_ratio'),
    n: integer('n').notNull(),
    /** The seed asked for; each image records the seed it was made with. */
    seed: bigint('seed', { mode: 'number' }),
    /** Credits held for this generation (price per image × n). */
    cost: integer('cost').notNull(),
    /** Credits actually charged, set when the hold is settled. */
    charged: integer('charged'),
    holdId: uuid('hold_id')
      .notNull()
      .references(() => creditHolds.id),
    jobId: text('job_id'),
    errorCode: text('error_code'),
    /** The route that produced the images (provider and its model id). */
    servedBy: text('served_by'),
    attempts: jsonb('attempts')
      .$type<GenerationAttempt[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    /**
     * Work an asynchronous provider accepted for this generation (a Replicate
     * prediction, a fal request) and the route it runs on: a rerun of the job
     * polls it instead of submitting (and paying) again. (A webhook names its
     * generation in its URL and is checked against this.)
     */
    pendingWork: jsonb('pending_work').$type<StoredPendingWork>(),
    /** The member's uploads sent as reference images, in order (uploads.id). */
    referenceUploadIds: jsonb('reference_upload_ids')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** Set on the generations of one side-by-side comparison (one prompt, 2–4 models). */
    compareId: uuid('compare_id'),
    /** Client-supplied key: a repeated submit returns the first generation. */
    idempotencyKey: text('idempotency_key'),
    /** Hash of the request a key was first used with: the same key with another request is refused. */
    requestHash: text('request_hash'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    // history: a member's generations newest first, with a stable tiebreak for cursors
    index('generations_user_created_idx').on(t.userId, t.createdAt.desc(), t.id.desc()),
    // the sweeper's scan of unfinished generations
    index('generations_unfinished_idx')
      .on(t.status, t.createdAt)
      .where(sql`${t.status} in ('queued', 'running')`),
    // a comparison's columns
    index('generations_user_compare_idx')
      .on(t.userId, t.compareId)
      .where(sql`${t.compareId} is not null`),
    uniqueIndex('generations_user_idempotency_key_idx')
      .on(t.userId, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    check('generations_n_check', sql`${t.n} between 1 and 16`),
    check(
      'generations_cost_check',
      sql`${t.cost} >= 0 and (${t.charged} is null or ${t.charged} between 0 and ${t.cost})`,
    ),
  ],
);

export const generationImages = pgTable(
  'generation_images',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    generationId: uuid('generation_id')
      .notNull()
      .references(() => generations.id, { onDelete: 'cascade' }),
    /** Denormalized owner, so serving an image checks ownership with one lookup. */
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    index: integer('index').notNull(),
    /** Storage keys (never URLs): derived from generation id and index, so a retried job overwrites, never duplicates. */
    objectKey: text('object_key').notNull(),
    /**
     * Null until the thumbnail is stored: it is made after the generation is
     * reported succeeded (decision 015), and the route serves the original meanwhile.
     */
    thumbKey: text('thumb_key'),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    seed: bigint('seed', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('generation_images_generation_index_idx').on(t.generationId, t.index),
    // the sweeper's look for images whose thumbnail was never made (normally none)
    index('generation_images_without_thumbnail_idx')
      .on(t.generationId)
      .where(sql`${t.thumbKey} is null`),
  ],
);

/** The generator's last model and settings, kept on the account (issue 3, part 6). */
export interface GeneratorSettings {
  modelId: string;
  size?: string | undefined;
  aspectRatio?: string | undefined;
  resolution?: string | undefined;
  n: number;
  seed?: number | undefined;
}

export const userPreferences = pgTable('user_preferences', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  generator: jsonb('generator').$type<GeneratorSettings>(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
});

/**
 * Images a member uploaded, to send to a model as references. Checked and
 * re-encoded on the way in (reliability U1–U5): the object is ours, under a
 * key we made; the member's file name is kept only as a sanitized label.
 */
export const uploads = pgTable(
  'uploads',
  {
    id: uuid('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    objectKey: text('object_key').notNull(),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    /** The uploaded file's name, sanitized (no paths, controls or bidi overrides); a label only. */
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  // a member's uploads, newest first
  (t) => [index('uploads_user_created_idx').on(t.userId, t.createdAt.desc())],
);

/**
 * Webhook deliveries already acted on, by provider and the provider's
 * delivery id: deliveries are at-least-once, so a repeat is acknowledged and
 * ignored.
 */
export const providerWebhookDeliveries = pgTable(
  'provider_webhook_deliveries',
  {
    providerId: text('provider_id').notNull(),
    deliveryId: text('delivery_id').notNull(),
    requestId: text('request_id').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'provider_webhook_deliveries_pkey', columns: [t.providerId, t.deliveryId] }),
    // pruning old deliveries
    index('provider_webhook_deliveries_received_idx').on(t.receivedAt),
  ],
);
