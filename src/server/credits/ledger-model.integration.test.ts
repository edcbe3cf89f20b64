/**
 * Reliability C3: a model-based test of the ledger. fast-check generates
 * sequences of grants, holds, settles (full and partial), voids, expiry
 * sweeps, revokes, replays with the same key, reuses of a key with other
 * parameters, and concurrent pairs (the same hold twice; a settle racing a
 * void). After every command the real account, its grants and its holds
 * must equal the model (tests/support/ledger-model.ts) and the checker must
 * pass. Each run gets a fresh member. On failure fast-check prints the seed
 * and path to replay it. This file says which commands are generated and
 * how often; what each one does and checks is in
 * tests/support/ledger-commands.ts.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import { T0, createMember } from '../../../tests/support/ledger';
import {
  ExpireCommand,
  GrantCommand,
  HoldCommand,
  MismatchCommand,
  RaceResolveCommand,
  ReplayCommand,
  RevokeCommand,
  SettleCommand,
  TwinHoldCommand,
  VoidCommand,
  executed,
  type Model,
  type Real,
} from '../../../tests/support/ledger-commands';
import { emptyModel } from '../../../tests/support/ledger-model';
import type { Database } from '../db/client';
import { holdVoidReasons } from '../db/schema';
import { checkLedger } from './checker';
import { ensureAccount } from './ensure-account';
import { expireGrants } from './expire-grants';

/** CI size (reliability C3); TEST_DEEP=1 runs the deep tier. */
const RUNS = process.env.TEST_DEEP === '1' ? 1000 : 100;
const MAX_COMMANDS = 50;
/** Past every expiry a run can reach: the sweep at the end of a run clears its grants for the next runs. */
const END_OF_TIME = new Date('2100-01-01T00:00:00Z');

const amount = fc.integer({ min: 1, max: 12 });
const part = fc.option(fc.nat({ max: 20 }), { nil: null });
const commandArbitraries = [
  fc
    .tuple(fc.integer({ min: 1, max: 20 }), fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }))
    .map(([credits, expiresIn]) => new GrantCommand(credits, expiresIn)),
  amount.map((credits) => new HoldCommand(credits)),
  amount.map((credits) => new TwinHoldCommand(credits)),
  fc.tuple(fc.nat(), part).map(([pick, share]) => new SettleCommand(pick, share)),
  fc
    .tuple(fc.nat(), fc.constantFrom(...holdVoidReasons))
    .map(([pick, reason]) => new VoidCommand(pick, reason)),
  fc.tuple(fc.nat(), part).map(([pick, share]) => new RaceResolveCommand(pick, share)),
  fc.integer({ min: 1, max: 90 }).map((advance) => new ExpireCommand(advance)),
  fc.tuple(amount, fc.boolean()).map(([credits, partial]) => new RevokeCommand(credits, partial)),
  fc.nat().map((pick) => new ReplayCommand(pick)),
  fc.nat().map((pick) => new MismatchCommand(pick)),
];

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('ledger model (C3)', () => {
  // ~20 s alone; up to several times that on a loaded 2-core machine (CI runs two files at once).
  it(`matches the model after every command (${RUNS} runs of up to ${MAX_COMMANDS} commands)`, async () => {
    const db = database.db;
    let commandsRun = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commandArbitraries, { maxCommands: MAX_COMMANDS, size: 'medium' }),
        async (commands) => {
          const userId = await createMember(db);
          const { accountId } = await ensureAccount(db, userId);
          const real: Real = { db, userId, accountId, run: randomUUID() };
          try {
            await fc.asyncModelRun(() => {
              const model: Model = { ...emptyModel(T0.getTime()), done: [], counter: 0 };
              return { model, real };
            }, commands);
            commandsRun += [...commands].length;
          } finally {
            await expireGrants(db, END_OF_TIME);
          }
        },
      ),
      { numRuns: RUNS },
    );
    const report = await checkLedger(db);
    expect(report.ok, JSON.stringify(report)).toBe(true);
    const total = [...executed.values()].reduce((sum, n) => sum + n, 0);
    console.info(
      `C3: ${RUNS} runs, ${commandsRun} commands generated, ${total} executed ${JSON.stringify(Object.fromEntries(executed))}, ` +
        `ledger ${JSON.stringify(report.figures)}`,
    );
  }, 180_000);
});
