/**
 * What every reliability test shares (reliability.md §2–3): a seed that is
 * printed on failure and can be replayed, one JSON record per test under
 * test-results/reliability/, members who submit through the real API, and
 * small figure helpers. Figures are recorded, never asserted on time.
 */
import { eq } from 'drizzle-orm';
import { users } from '../../src/server/db/schema';
import { signUp, type TestApp } from './app';
import { seedFrom, writeRecord } from './records';

export { histogram, percentile, RECORDS_DIR } from './records';
export { waitFor, waitUntilFinished } from './wait-finished';

/** RELIABILITY_SEED replays a run; otherwise a fresh seed, which the record and any failure print. */
export function reliabilitySeed(): number {
  return seedFrom('RELIABILITY_SEED');
}

export interface ReliabilityRecord {
  test: string;
  /** S: in-process, one app, on the driver below (reliability.md 3.0). */
  mode: 'S';
  driver: 'pglite' | 'postgres';
  parameters: Record<string, unknown>;
  seed: number;
  figures: Record<string, unknown>;
  pass: boolean;
  /** The first failure's message, when it failed. */
  error?: string;
  startedAt: string;
  durationMs: number;
}

/**
 * Runs a reliability test body and writes its record whatever happens. The
 * body fills `figures` as it goes, so a failing run still records how far it
 * got. A failure is rethrown unchanged, after printing the seed to replay.
 */
export async function recorded(
  test: string,
  info: { driver: 'pglite' | 'postgres'; seed: number; parameters: Record<string, unknown> },
  body: (figures: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  const record: ReliabilityRecord = {
    test,
    mode: 'S',
    driver: info.driver,
    parameters: info.parameters,
    seed: info.seed,
    figures: {},
    pass: false,
    startedAt: new Date().toISOString(),
    durationMs: 0,
  };
  const started = performance.now();
  try {
    await body(record.figures);
    record.pass = true;
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `\n${test} failed on ${info.driver} with seed ${info.seed}; replay with RELIABILITY_SEED=${info.seed}\n`,
    );
    throw error;
  } finally {
    record.durationMs = Math.round(performance.now() - started);
    writeRecord(`${test}.${info.driver}`, record);
  }
}

export interface Member {
  userId: string;
  cookie: string;
  /** POST /api/generations through the app, as the member's browser would. */
  submit(body: Record<string, unknown>): Promise<Response>;
}

/** Signs a member up through the API (so they get the starter credits) and finds their user id. */
export async function signUpMember(t: TestApp): Promise<Member> {
  const { cookie, email } = await signUp(t);
  const [user] = await t.database.db.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (!user) throw new Error(`no user row for ${email}`);
  return {
    userId: user.id,
    cookie,
    submit: (body) => t.request('/api/generations', { method: 'POST', headers: { cookie }, json: body }),
  };
}

/** Lines of the captured log that report a CHECK constraint refusing a write (SQLSTATE 23514). */
export function checkRejections(logs: readonly string[]): number {
  return logs.filter((line) => line.includes('"23514"') || line.includes('violates check constraint')).length;
}
