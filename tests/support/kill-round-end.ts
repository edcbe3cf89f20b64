/**
 * The end of a Q1 kill round (kill-run.ts): waiting for every generation to
 * finish, the figures of each kill (what it cut short, how long until the
 * work ran again), and the checks that nothing was lost.
 */
import { expect } from 'vitest';
import { percentile } from './reliability-record';
import type { ExitInfo, Stack } from './stack';
import type { Member } from './stack-client';
import { checkEndState, runsFromLogs, type EndStateReport } from './stack-checker';
import type { KillFigure, KillRoundResult } from './kill-run';

/**
 * The recovery after each kill, from the processes' logs: the generations the
 * killed process had started in its last life and not finished were cut
 * short; each recovered when it started running again (on any process, after
 * pg-boss noticed the lost heartbeat) or ended some other way (the sweeper).
 * Lines buffered in the killed process's last second are lost with it, so a
 * run started just before a kill may go uncounted.
 */
function killFigures(round: KillRoundResult, stack: Stack): KillFigure[] {
  const runStarts = new Map<string, Array<{ time: number; process: string }>>();
  for (const proc of new Set(stack.processes)) {
    for (const line of proc.logLines()) {
      if (line.msg !== 'generation run started' || typeof line.generationId !== 'string') continue;
      const list = runStarts.get(line.generationId) ?? [];
      list.push({ time: Date.parse(String(line.time)), process: proc.name });
      runStarts.set(line.generationId, list);
    }
  }
  return round.kills.map((kill) => {
    const interrupted = [...runStarts]
      .filter(([id, starts]) => {
        const finished = round.finishedAt.get(id);
        const ranHere = starts.some(
          (s) => s.process === kill.process && s.time >= kill.victimSince && s.time <= kill.at,
        );
        return ranHere && !(finished !== undefined && finished <= kill.at);
      })
      .map(([id]) => id);
    const recovered = interrupted.map((id) => {
      const again = runStarts.get(id)!.find((s) => s.time > kill.at)?.time ?? round.finishedAt.get(id);
      return again === undefined ? undefined : again - kill.at;
    });
    const ends = kill.running.map((id) => round.finishedAt.get(id));
    return {
      process: kill.process,
      atMs: kill.at - round.startedAt,
      restartMs: kill.restartMs,
      interrupted: interrupted.length,
      recoveryMs: recovered.some((ms) => ms === undefined) ? null : Math.max(0, ...(recovered as number[])),
      runningAtKill: kill.running.length,
      allFinishedMs: ends.some((end) => end === undefined)
        ? null
        : Math.max(0, ...(ends as number[]).map((end) => end - kill.at)),
    };
  });
}

/**
 * 0 credits lost, as members see it: each one's balance is the starter credits
 * minus what their generations were charged, and nothing is still held.
 */
export async function creditsLost(
  members: Member[],
  starterCredits: number,
): Promise<{ lost: number; held: number; charged: number }> {
  let lost = 0;
  let held = 0;
  let charged = 0;
  for (const member of members) {
    const views = await member.list();
    const memberCharged = views.reduce((sum, view) => sum + (view.charged ?? 0), 0);
    const balance = await member.credits();
    charged += memberCharged;
    held += balance.held;
    lost += Math.abs(starterCredits - memberCharged - balance.available);
  }
  return { lost, held, charged };
}

export interface KillRoundEnd {
  report: EndStateReport;
  kills: KillFigure[];
  credits: { lost: number; held: number; charged: number };
  exits: Record<string, ExitInfo>;
  /** Runs beyond the first per generation, from the processes' logs (a lower bound). */
  duplicateRunsLogged: number;
}

/**
 * After a round: the members' balances (through the API), then every process
 * stopped with SIGTERM, then the end state from the database and storage.
 */
export async function finishKillRound(stack: Stack, round: KillRoundResult): Promise<KillRoundEnd> {
  const credits = await creditsLost(round.members, stack.config.starterCredits);
  const exits = await stack.stopAll();
  const kills = killFigures(round, stack);
  const lines = [...new Set(stack.processes)].flatMap((proc) => proc.logLines());
  const runs = runsFromLogs(lines);
  const duplicateRunsLogged = [...runs.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
  const database = await stack.openDatabase();
  try {
    const report = await checkEndState({ database, config: stack.config, accepted: round.accepted });
    return { report, kills, credits, exits, duplicateRunsLogged };
  } finally {
    await database.close();
  }
}

/** The figures Q1 and U7 record (reliability.md 3.3 Q1). */
export function killRoundFigures(round: KillRoundResult, end: KillRoundEnd): Record<string, unknown> {
  const { report } = end;
  return {
    accepted: round.accepted.length,
    byStatus: report.generations.byStatus,
    lost: report.generations.lost,
    stuck: report.generations.stuck,
    unfinishedAtBound: round.unfinishedAtBound.length,
    creditsLost: end.credits.lost,
    creditsHeldAtEnd: end.credits.held,
    creditsCharged: end.credits.charged,
    doubleSettles: report.holds.doubleSettled,
    holdsExpired: report.holds.expired,
    duplicateStoredOutputs: report.storage.duplicateOutputs,
    duplicateProviderCalls: {
      // retries inside a run, from the generations' recorded attempts (the last run's only)
      inRunRetries: report.generations.inRunRetries,
      // runs pg-boss started again after a kill (each one calls the provider again)
      jobReruns: report.jobs.reruns,
      // runs beyond the first per generation, from the logs (SIGKILL may drop the last second)
      duplicateRunsLogged: end.duplicateRunsLogged,
    },
    jobsBeyondRetryLimit: report.jobs.exhausted,
    interruptedRuns: end.kills.reduce((sum, kill) => sum + kill.interrupted, 0),
    recoveryMs: {
      max: maxOrNull(end.kills.map((kill) => kill.recoveryMs)),
      p50: percentile(
        end.kills.flatMap((kill) => (kill.recoveryMs === null ? [] : [kill.recoveryMs])),
        50,
      ),
      unrecoveredKills: end.kills.filter((kill) => kill.recoveryMs === null).length,
    },
    allRunningFinishedMs: { max: maxOrNull(end.kills.map((kill) => kill.allFinishedMs)) },
    maxRestartMs: maxOrNull(end.kills.map((kill) => kill.restartMs)),
    drainAfterLastKillMs: round.drainAfterLastKillMs,
    submitMs: round.submitMs,
    roundMs: round.roundMs,
    storage: report.storage,
    ledgerOk: report.ledger.ok,
    exits: end.exits,
    kills: end.kills,
    problems: report.problems,
  };
}

/** Q1's "what must hold", shared by Q1 and U7. */
export function expectKillRoundSound(
  round: KillRoundResult,
  end: KillRoundEnd,
  options: { kills: number; holdsMayExpire: boolean },
): void {
  const { report } = end;
  expect(round.kills).toHaveLength(options.kills);
  // The kills cut runs short (otherwise this proves nothing), and each cut-short run came back or ended.
  expect(end.kills.reduce((sum, kill) => sum + kill.interrupted, 0)).toBeGreaterThan(0);
  expect(end.kills.filter((kill) => kill.recoveryMs === null)).toEqual([]);
  expect(report.problems).toEqual([]);
  expect(round.unfinishedAtBound).toEqual([]);
  expect(report.generations.lost).toBe(0);
  expect(report.generations.stuck).toBe(0);
  expect(report.generations.found).toBe(round.accepted.length);
  expect(end.credits).toMatchObject({ lost: 0, held: 0 });
  expect(report.holds.doubleSettled).toBe(0);
  expect(report.holds.open).toBe(0);
  expect(report.holds.settledSum).toBe(report.holds.costOfSucceeded);
  expect(report.holds.voidedSum).toBe(report.holds.heldForUnsuccessful);
  if (!options.holdsMayExpire) {
    // The workload drains well within the hold timeout: an expired hold means a
    // generation waited 90 s for a worker (as a backlog did before the queue's fix).
    expect(report.holds.expired).toBe(0);
  }
  expect(end.credits.charged).toBe(report.holds.settledSum);
  expect(report.storage.duplicateOutputs).toBe(0);
  expect(report.storage.danglingRows).toBe(0);
  expect(report.storage.orphansAfterSweep).toBe(0);
  expect(report.ledger.ok).toBe(true);
  expect(
    Object.values(end.exits).every((exit) => exit.code === 0),
    JSON.stringify(end.exits),
  ).toBe(true);
}

function maxOrNull(values: Array<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length > 0 ? Math.max(...known) : null;
}
