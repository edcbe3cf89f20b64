/**
 * Waiting on the database instead of a client: a test that must not read
 * status through the API (C7: refunds with nobody watching) polls the rows
 * directly. No app imports, so process tests load it as cheaply as the
 * in-process ones (reliability.ts re-exports both helpers).
 */
import { and, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../../src/server/db/client';
import { generationImages, generations, terminalStatuses } from '../../src/server/db/schema';

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with `describe()`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; describe: () => Promise<string> | string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`gave up after ${options.timeoutMs} ms: ${await options.describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/**
 * Waits, reading the database as an observer (no client reads status), until
 * every one of the generations is finished and its run is done: a succeeded
 * generation's thumbnails follow its success by a few milliseconds
 * (generations/thumbnails.ts), and a storage check (J3) must not see one
 * stored but not yet recorded. Fails naming the generations still going.
 */
export async function waitUntilFinished(db: Db, ids: readonly string[], timeoutMs: number): Promise<void> {
  const unfinished = async () => {
    const running = await db
      .select({ id: generations.id, status: generations.status })
      .from(generations)
      .where(and(inArray(generations.id, [...ids]), notInArray(generations.status, [...terminalStatuses])));
    if (running.length > 0) return running;
    return db
      .selectDistinct({ id: generationImages.generationId, status: sql<string>`'thumbnail pending'` })
      .from(generationImages)
      .where(and(inArray(generationImages.generationId, [...ids]), isNull(generationImages.thumbKey)));
  };
  await waitFor(async () => ((await unfinished()).length === 0 ? true : undefined), {
    timeoutMs,
    intervalMs: 200,
    describe: async () => {
      const rows = await unfinished();
      return `${rows.length} of ${ids.length} generations unfinished, e.g. ${JSON.stringify(rows.slice(0, 5))}`;
    },
  });
}
