/**
 * Orphans: objects that no database row references, left when a job stored
 * an image and then died before its transaction committed (reliability J3).
 * A scheduled job lists a prefix, asks the database in batches which keys
 * it knows, and deletes the rest.
 *
 * The age cut-off matters: a job writes its objects first and commits the
 * row after, so an object younger than the longest job could still become
 * known. Pass a `modifiedBefore` at least that far in the past.
 */
import type { ObjectEntry, ObjectStorage } from './object-storage';

export interface FindOrphansOptions {
  storage: ObjectStorage;
  /** Where to look, e.g. `generations/`. */
  prefix: string;
  /** Of the given keys (one batch), the ones the database references. */
  knownKeys: (keys: string[]) => Promise<Iterable<string>>;
  /** Only objects written before this time are considered. */
  modifiedBefore: Date;
  /* 500 keys make one `key = any($1)` query of modest size; tests pass less. */
  batchSize?: number;
}

/** Yields orphaned objects in batches (at most batchSize each, never empty). */
export async function* findOrphans(options: FindOrphansOptions): AsyncGenerator<ObjectEntry[]> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a positive integer');
  let batch: ObjectEntry[] = [];

  async function orphansOf(entries: ObjectEntry[]): Promise<ObjectEntry[]> {
    const known = new Set(await options.knownKeys(entries.map((entry) => entry.key)));
    return entries.filter((entry) => !known.has(entry.key));
  }

  for await (const entry of options.storage.list(options.prefix)) {
    if (entry.lastModified >= options.modifiedBefore) continue;
    batch.push(entry);
    if (batch.length === batchSize) {
      const orphans = await orphansOf(batch);
      batch = [];
      if (orphans.length > 0) yield orphans;
    }
  }
  if (batch.length > 0) {
    const orphans = await orphansOf(batch);
    if (orphans.length > 0) yield orphans;
  }
}

export interface SweepResult {
  orphans: number;
  deleted: number;
}

/** Deletes what findOrphans finds (unless dryRun) and says how much. */
export async function sweepOrphans(options: FindOrphansOptions & { dryRun?: boolean }): Promise<SweepResult> {
  const result: SweepResult = { orphans: 0, deleted: 0 };
  for await (const orphans of findOrphans(options)) {
    result.orphans += orphans.length;
    if (options.dryRun) continue;
    await options.storage.deleteMany(orphans.map((entry) => entry.key));
    result.deleted += orphans.length;
  }
  return result;
}
