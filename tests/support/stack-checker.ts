/**
 * The end state of a stack, read from its database and its storage after the
 * run (reliability.md 2: J1–J3, L1–L3). It reports figures and a list of
 * problems instead of throwing, so a test prints everything that is wrong at
 * once and records the figures either way.
 *
 *   J1  every accepted generation exists with its hold and is finished
 *   L3  no open hold; every hold resolved at most once
 *   J2  succeeded: hold settled once for exactly its cost; failed/canceled: voided
 *       for the whole amount; a job pg-boss gave up on ended failed and voided
 *   L1–L3  the shared ledger checker (src/server/credits/checker.ts)
 *   J3  after the product's orphan sweep: every image row's objects exist and no
 *       object under generations/ lacks a row; no duplicate outputs
 */
import { sql } from 'drizzle-orm';
import { checkLedger, type LedgerCheckReport } from '../../src/server/credits/checker';
import type { Config } from '../../src/server/config';
import { queryRows, type Database } from '../../src/server/db/client';
import { sweepOnce, type SweepReport } from '../../src/server/generations/sweeper';
import type { GenerationDeps } from '../../src/server/generations/types';
import type { JobQueue } from '../../src/server/jobs/queue';
import { createLogger } from '../../src/server/log';
import { createProviderRegistry } from '../../src/server/providers/registry';
import { createStorage } from '../../src/server/storage/create-storage';
import type { ObjectStorage } from '../../src/server/storage/object-storage';

export interface EndStateOptions {
  database: Database;
  config: Config;
  /** Ids the API accepted (202). */
  accepted: Iterable<string>;
  /** Ids the test deleted: no row, no image row, no object, and a resolved hold. */
  deleted?: Iterable<string>;
}

export interface EndStateReport {
  generations: {
    accepted: number;
    found: number;
    byStatus: Record<string, number>;
    /** J1: accepted (not deleted) but not in the database, or without a hold. */
    lost: number;
    /** Not finished. */
    stuck: number;
    /** Sum of every generation's recorded provider calls (the last run's attempts). */
    providerCalls: number;
    /** Provider calls beyond the first within one run (retries inside the job). */
    inRunRetries: number;
  };
  holds: {
    open: number;
    /** Holds with more than one settle (or more than one resolution). */
    doubleSettled: number;
    settledSum: number;
    costOfSucceeded: number;
    voidedSum: number;
    heldForUnsuccessful: number;
    /** Holds the sweeper voided at their timeout (the generation waited or ran past it). */
    expired: number;
  };
  jobs: {
    /** pg-boss runs beyond the first (crash, lost heartbeat, expiry), summed over jobs. */
    reruns: number;
    /** Jobs that ran more than once. */
    rerunJobs: number;
    /** Jobs pg-boss gave up on (state failed: retryLimit used up). */
    exhausted: number;
  };
  ledger: Pick<LedgerCheckReport, 'ok' | 'failure' | 'violations'>;
  storage: {
    objectsBeforeSweep: number;
    /** Objects without a row before the sweep, and how many of them were older than the hold timeout. */
    orphansBeforeSweep: number;
    orphansOlderThanHoldTimeout: number;
    sweep: SweepReport | 'skipped';
    objectsAfterSweep: number;
    orphansAfterSweep: number;
    danglingRows: number;
    duplicateOutputs: number;
  };
  /** Every broken invariant, one line each; empty when the end state is sound. */
  problems: string[];
}

interface GenerationRow {
  id: string;
  status: string;
  cost: number;
  charged: number | null;
  n: number;
  job_id: string | null;
  attempts: number;
  hold_id: string | null;
  hold_status: string | null;
  hold_amount: number | null;
  settled_amount: number | null;
  images: number;
}

const terminal = new Set(['succeeded', 'failed', 'canceled']);
const keyPattern = /^generations\/([0-9a-f-]{36})\/(\d+)\.(png|jpg|webp|thumb\.webp)$/;

async function listObjects(storage: ObjectStorage): Promise<Map<string, Date>> {
  const objects = new Map<string, Date>();
  for await (const entry of storage.list('generations/')) objects.set(entry.key, entry.lastModified);
  return objects;
}

/** Shows at most a few ids in a problem line. */
const sample = (ids: string[]) => `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`;

export async function checkEndState(options: EndStateOptions): Promise<EndStateReport> {
  const { database, config } = options;
  const db = database.db;
  const problems: string[] = [];
  const problem = (ids: string[], what: string) => {
    if (ids.length > 0) problems.push(`${ids.length} ${what}: ${sample(ids)}`);
  };
  const accepted = new Set(options.accepted);
  const deleted = new Set(options.deleted ?? []);

  const rows = await queryRows<GenerationRow>(
    db,
    sql`select g.id::text as id, g.status, g.cost, g.charged, g.n, g.job_id,
          jsonb_array_length(g.attempts)::int as attempts,
          h.id::text as hold_id, h.status as hold_status, h.amount as hold_amount, h.settled_amount,
          (select count(*)::int from generation_images i where i.generation_id = g.id) as images
        from generations g left join credit_holds h on h.id = g.hold_id`,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const resolutions = await queryRows<{ hold_id: string; settles: number; resolutions: number }>(
    db,
    sql`select hold_id::text as hold_id, count(*) filter (where kind = 'settle')::int as settles, count(*)::int as resolutions
        from ledger_transactions where kind in ('settle', 'void') group by hold_id`,
  );
  const resolutionOf = new Map(resolutions.map((r) => [r.hold_id, r]));
  const holds = await queryRows<{
    id: string;
    reference: string;
    status: string;
    void_reason: string | null;
  }>(db, sql`select id::text as id, reference, status, void_reason from credit_holds`);
  const jobs = await queryRows<{ id: string; state: string; retry_count: number }>(
    db,
    sql`select id::text as id, state, retry_count from pgboss.job where name = 'generate'`,
  );

  // J1: accepted generations exist (unless deleted), with their hold, and are finished.
  const missing = [...accepted].filter((id) => !deleted.has(id) && !byId.has(id));
  const withoutHold = rows.filter((row) => row.hold_id === null).map((row) => row.id);
  const unknown = rows.filter((row) => !accepted.has(row.id)).map((row) => row.id);
  const stuck = rows.filter((row) => !terminal.has(row.status)).map((row) => row.id);
  problem(missing, 'accepted generations missing from the database (lost)');
  problem(withoutHold, 'generations without a hold');
  problem(unknown, 'generations the API never accepted');
  problem(stuck, 'generations not finished');
  const stillThere = [...deleted].filter((id) => byId.has(id));
  problem(stillThere, 'deleted generations still in the database');

  // L3 and J2: how each hold ended.
  const openHolds = holds.filter((hold) => hold.status === 'open').map((hold) => hold.id);
  problem(openHolds, 'holds still open');
  const doubleSettled = resolutions.filter((r) => r.settles > 1 || r.resolutions > 1).map((r) => r.hold_id);
  problem(doubleSettled, 'holds resolved more than once');
  const badSettle: string[] = [];
  const badVoid: string[] = [];
  const badImages: string[] = [];
  let settledSum = 0;
  let costOfSucceeded = 0;
  let voidedSum = 0;
  let heldForUnsuccessful = 0;
  for (const row of rows) {
    const resolution = row.hold_id ? resolutionOf.get(row.hold_id) : undefined;
    if (row.status === 'succeeded') {
      costOfSucceeded += row.cost;
      settledSum += row.settled_amount ?? 0;
      const once = resolution?.settles === 1 && resolution.resolutions === 1;
      if (
        row.hold_status !== 'settled' ||
        !once ||
        row.settled_amount !== row.cost ||
        row.charged !== row.cost
      )
        badSettle.push(row.id);
      if (row.images !== row.n) badImages.push(row.id);
    } else if (row.status === 'failed' || row.status === 'canceled') {
      heldForUnsuccessful += row.hold_amount ?? 0;
      if (row.hold_status === 'voided') voidedSum += row.hold_amount ?? 0;
      if (row.hold_status !== 'voided' || resolution?.resolutions !== 1 || resolution.settles !== 0)
        badVoid.push(row.id);
      if (row.images !== 0) badImages.push(row.id);
    }
  }
  problem(badSettle, 'succeeded generations whose hold is not settled once for exactly their cost');
  problem(badVoid, 'failed or canceled generations whose hold is not voided once');
  problem(badImages, 'generations with the wrong number of image rows');
  const deletedOpen = holds.filter((hold) => deleted.has(hold.reference) && hold.status === 'open');
  problem(
    deletedOpen.map((hold) => hold.reference),
    'deleted generations with an open hold',
  );

  // Jobs pg-boss gave up on must have ended their generation: failed and refunded, or,
  // when the runs it gave up on came after the success (its thumbnails: decision 015),
  // succeeded and settled (the settle itself is checked above; the sweeper makes the thumbnails).
  const exhausted = jobs.filter((job) => job.state === 'failed');
  const exhaustedIds = new Set(exhausted.map((job) => job.id));
  const exhaustedWrong = rows
    .filter((row) => row.job_id && exhaustedIds.has(row.job_id))
    .filter(
      (row) =>
        !(row.status === 'failed' && row.hold_status === 'voided') &&
        !(row.status === 'succeeded' && row.hold_status === 'settled'),
    )
    .map((row) => row.id);
  problem(
    exhaustedWrong,
    'generations whose job pg-boss gave up on, neither failed and voided nor succeeded',
  );

  // L1–L3 from the shared checker; an open hold past its timeout plus one sweep is stale.
  const ledger = await checkLedger(db, {
    openHoldsExpiredBefore: new Date(Date.now() - config.generation.sweepIntervalSeconds * 1000),
  });
  if (!ledger.ok) {
    const broken = Object.entries(ledger.violations)
      .filter(([, v]) => v.count > 0)
      .map(([name, v]) => `${name} ${v.count} (${v.sample.join(', ')})`);
    problems.push(`ledger checker: ${ledger.failure ?? broken.join('; ')}`);
  }

  // J3. Objects written by a run that died before its commit are orphans until
  // the sweep: report them, then run the product's own sweep (orphans included)
  // with its clock moved past the hold timeout, since no job can commit anymore.
  const storage = await createStorage(config.storage);
  try {
    const knownKeys = async () => {
      const images = await queryRows<{
        generation_id: string;
        index: number;
        object_key: string;
        /** Null until the thumbnail, which follows the success, is stored. */
        thumb_key: string | null;
      }>(
        db,
        sql`select generation_id::text as generation_id, index, object_key, thumb_key from generation_images`,
      );
      return images;
    };
    const before = await listObjects(storage);
    const imagesBefore = await knownKeys();
    const keysOf = (i: { object_key: string; thumb_key: string | null }) =>
      i.thumb_key === null ? [i.object_key] : [i.object_key, i.thumb_key];
    const referencedBefore = new Set(imagesBefore.flatMap(keysOf));
    const cutoff = Date.now() - config.generation.holdTimeoutSeconds * 1000;
    const orphansBefore = [...before].filter(([key]) => !referencedBefore.has(key));
    let sweep: SweepReport | 'skipped' = 'skipped';
    if (openHolds.length === 0 && stuck.length === 0) {
      sweep = await sweepOnce(sweepDeps(database, config, storage), { orphans: true });
    } else {
      problems.push('orphan sweep skipped: holds open or generations unfinished');
    }
    const after = await listObjects(storage);
    const images = await knownKeys();
    const referenced = new Set(images.flatMap(keysOf));
    const orphansAfter = [...after.keys()].filter((key) => !referenced.has(key));
    const dangling = images.filter((i) => keysOf(i).some((key) => !after.has(key)));
    problem(orphansAfter, 'objects under generations/ without a row after the sweep');
    problem(
      dangling.map((i) => i.generation_id),
      'image rows whose object is missing',
    );
    // A job ends only once its thumbnails are recorded; a rerun completes what a killed run left.
    const completedJobs = new Set(jobs.filter((job) => job.state === 'completed').map((job) => job.id));
    problem(
      images
        .filter((i) => i.thumb_key === null && completedJobs.has(byId.get(i.generation_id)?.job_id ?? ''))
        .map((i) => i.generation_id),
      'images without a thumbnail although their job completed',
    );
    problem(
      [...after.keys()].filter((key) => [...deleted].some((id) => key.includes(id))),
      'objects of deleted generations',
    );
    // Keys derive from generation id + index: a rerun overwrites, so there is
    // nothing beyond <index>.<ext> and its thumbnail for index < n, and no key is shared.
    const duplicates: string[] = [];
    const seenKeys = new Set<string>();
    for (const image of images) {
      for (const key of keysOf(image)) {
        if (seenKeys.has(key)) duplicates.push(key);
        seenKeys.add(key);
      }
    }
    for (const key of after.keys()) {
      const match = keyPattern.exec(key);
      const row = match ? byId.get(match[1]!) : undefined;
      if (!match || (row && Number(match[2]) >= row.n)) duplicates.push(key);
    }
    problem(duplicates, 'duplicate or unexpected stored outputs');
    const inRunRetries = rows.reduce((sum, row) => sum + Math.max(0, row.attempts - 1), 0);
    const statuses: Record<string, number> = {};
    for (const row of rows) statuses[row.status] = (statuses[row.status] ?? 0) + 1;
    return {
      generations: {
        accepted: accepted.size,
        found: rows.length,
        byStatus: statuses,
        lost: missing.length + withoutHold.length,
        stuck: stuck.length,
        providerCalls: rows.reduce((sum, row) => sum + row.attempts, 0),
        inRunRetries,
      },
      holds: {
        open: openHolds.length,
        doubleSettled: doubleSettled.length,
        settledSum,
        costOfSucceeded,
        voidedSum,
        heldForUnsuccessful,
        expired: holds.filter((hold) => hold.void_reason === 'expiry').length,
      },
      jobs: {
        reruns: jobs.reduce((sum, job) => sum + job.retry_count, 0),
        rerunJobs: jobs.filter((job) => job.retry_count > 0).length,
        exhausted: exhausted.length,
      },
      ledger: {
        ok: ledger.ok,
        violations: ledger.violations,
        ...(ledger.failure ? { failure: ledger.failure } : {}),
      },
      storage: {
        objectsBeforeSweep: before.size,
        orphansBeforeSweep: orphansBefore.length,
        orphansOlderThanHoldTimeout: orphansBefore.filter(([, modified]) => modified.getTime() < cutoff)
          .length,
        sweep,
        objectsAfterSweep: after.size,
        orphansAfterSweep: orphansAfter.length,
        danglingRows: dangling.length,
        duplicateOutputs: duplicates.length,
      },
      problems,
    };
  } finally {
    await storage.close();
  }
}

/**
 * What sweepOnce needs, with its clock moved past the hold timeout so the
 * orphan sweep considers every object. It is only run when no hold is open and
 * every generation is finished, so the queue is never needed: calls to it fail
 * loudly instead of acting.
 */
function sweepDeps(database: Database, config: Config, storage: ObjectStorage): GenerationDeps {
  const unexpected = (what: string) => () => {
    throw new Error(`the end-state sweep unexpectedly needed the job queue (${what})`);
  };
  const queue = {
    enqueueGeneration: unexpected('enqueue'),
    jobState: unexpected('jobState'),
    cancel: unexpected('cancel'),
  } as unknown as JobQueue;
  const shift = (config.generation.holdTimeoutSeconds + 1) * 1000;
  return {
    db: database.db,
    config,
    logger: createLogger({ level: 'silent' }),
    now: () => new Date(Date.now() + shift),
    queue,
    storage,
    providers: createProviderRegistry({ local: config.localProvider }),
    events: { subscribe: () => () => {}, subscribeAll: () => () => {}, close: async () => {} },
  };
}

/** Runs of each generation, from the 'generation run started' lines of the given logs (a lower bound: SIGKILL loses up to a second of buffered lines). */
export function runsFromLogs(lines: Array<Record<string, unknown>>): Map<string, number> {
  const runs = new Map<string, number>();
  for (const line of lines) {
    if (line.msg !== 'generation run started' || typeof line.generationId !== 'string') continue;
    runs.set(line.generationId, (runs.get(line.generationId) ?? 0) + 1);
  }
  return runs;
}
