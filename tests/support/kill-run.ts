/**
 * Q1's round (reliability.md 3.3): members submit generations, then a worker
 * process is killed with SIGKILL at a fixed cadence and restarted at once, a
 * bounded number of times; then every generation must finish within B (the
 * sweeper handles what the workers cannot). A tracker polls each member's
 * history (the API, as a page would) to see what runs and when it ends; the
 * processes' logs say which runs each kill cut short and when they ran again.
 */
import {
  isTerminal,
  signUpMembers,
  type CreateBody,
  type Member,
  type ResponseObserver,
} from './stack-client';
import { seededRandom } from './reliability-record';
import { sleep, type Stack } from './stack';

export interface KillRoundOptions {
  stack: Stack;
  seed: number;
  generations: number;
  members: number;
  kills: number;
  /** Time between kills. */
  killIntervalMs: number;
  /** A restarted process runs at least this long before the next kill (S: let it work between kills). */
  minUptimeMs?: number;
  /** Every generation must finish within this long after the last kill (B plus a margin). */
  finishBoundMs: number;
  /** Generations that fail by policy (refunded), as a share of all; seeded. */
  failShare?: number;
  /** Generations with two images, as a share of all; seeded. */
  twoImageShare?: number;
  /** Slow generations submitted first (four timed-out attempts before the fifth), likely killed on every run. */
  slow?: number;
  observer?: ResponseObserver;
}

export interface KillFigure {
  process: string;
  atMs: number;
  /** From the kill until the killed process was ready again. */
  restartMs: number;
  /** Generations the killed process had started and not finished (from its log): the runs the kill cut short. */
  interrupted: number;
  /** From the kill until every interrupted generation was running again elsewhere or had ended (null: one never did). */
  recoveryMs: number | null;
  /** Generations running (per the API) just before the kill, on any process. */
  runningAtKill: number;
  /** From the kill until all of those had finished (this includes waiting in the queue). */
  allFinishedMs: number | null;
}

/** What the round saw, kept for the figures that need the logs (computed after the stack stops). */
interface KillEvent {
  process: string;
  at: number;
  victimSince: number;
  restartMs: number;
  running: string[];
}

export interface KillRoundResult {
  members: Member[];
  accepted: string[];
  kills: KillEvent[];
  /** When the tracker first saw each generation finished (epoch ms). */
  finishedAt: Map<string, number>;
  /** Generations still unfinished when the bound ran out. */
  unfinishedAtBound: string[];
  /** From the last kill until every generation had finished (null: not within the bound). */
  drainAfterLastKillMs: number | null;
  startedAt: number;
  submitMs: number;
  roundMs: number;
}

const words = [
  'lighthouse',
  'forest',
  'ocean',
  'city',
  'desert',
  'snow',
  'flowers',
  'sunset',
  'night',
  'harbor',
];

/** Watches every member's generations and remembers when each was first seen finished. */
class Tracker {
  readonly finishedAt = new Map<string, number>();
  readonly status = new Map<string, string>();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly members: Member[]) {}

  async poll(): Promise<void> {
    await Promise.all(
      this.members.map(async (member) => {
        try {
          for (const view of await member.list()) {
            this.status.set(view.id, view.status);
            if (isTerminal(view) && !this.finishedAt.has(view.id)) this.finishedAt.set(view.id, Date.now());
          }
        } catch {
          // the process is being restarted: the next poll reads it
        }
      }),
    );
  }

  running(): string[] {
    return [...this.status].filter(([, status]) => status === 'running').map(([id]) => id);
  }

  start(intervalMs: number) {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.poll();
        await sleep(intervalMs);
      }
    })();
  }

  async stop() {
    this.stopped = true;
    await this.loop;
  }
}

export async function runKillRound(options: KillRoundOptions): Promise<KillRoundResult> {
  const { stack, seed } = options;
  const random = seededRandom(seed);
  const started = Date.now();
  const web = stack.webs[0]!;
  const members = await signUpMembers(web.url, stack.publicUrl, options.members);
  for (const member of members) member.observer = options.observer;

  // The requests, seeded: slow ones first so they are running when the kills start.
  const requests: CreateBody[] = [];
  for (let i = 0; i < options.generations; i++) {
    const prompt = `${words[Math.floor(random() * words.length)]} ${words[Math.floor(random() * words.length)]} #${i}`;
    const slow = i < (options.slow ?? 0);
    const fails = !slow && random() < (options.failShare ?? 0);
    const n = !slow && random() < (options.twoImageShare ?? 0) ? 2 : 1;
    requests.push({
      prompt: slow ? `${prompt} [fail:timeout:4]` : fails ? `${prompt} [fail:content_policy]` : prompt,
      n,
      seed: Math.floor(random() * 1_000_000),
    });
  }
  const accepted: string[] = [];
  let next = 0;
  const submitter = async () => {
    while (next < requests.length) {
      const index = next++;
      // Spread over the members and, in X, over every web process.
      const member = members[index % members.length]!.via(stack.webs[index % stack.webs.length]!.url);
      const { id } = await member.createOrThrow(requests[index]!);
      accepted.push(id);
    }
  };
  await Promise.all([submitter(), submitter(), submitter(), submitter()]);
  const submitMs = Date.now() - started;

  const tracker = new Tracker(members);
  tracker.start(500);
  const kills: KillEvent[] = [];
  let lastKill = Date.now();
  let lastReady = Date.now();
  for (let k = 0; k < options.kills; k++) {
    const due = Math.max(lastKill + options.killIntervalMs, lastReady + (options.minUptimeMs ?? 0));
    await sleep(Math.max(0, due - Date.now()));
    await tracker.poll();
    const running = tracker.running();
    const victim = stack.workers[Math.floor(random() * stack.workers.length)]!;
    const victimSince = victim.startedAt;
    const at = Date.now();
    await victim.kill();
    lastKill = at;
    await victim.start();
    lastReady = Date.now();
    kills.push({ process: victim.name, at, victimSince, restartMs: lastReady - at, running });
  }

  // Every generation must now finish within the bound, watched or not.
  const deadline = lastKill + options.finishBoundMs;
  let drainAfterLastKillMs: number | null = null;
  while (Date.now() < deadline) {
    await tracker.poll();
    if (accepted.every((id) => tracker.finishedAt.has(id))) {
      drainAfterLastKillMs = Date.now() - lastKill;
      break;
    }
    await sleep(500);
  }
  await tracker.stop();
  return {
    members,
    accepted,
    kills,
    finishedAt: tracker.finishedAt,
    unfinishedAtBound: accepted.filter((id) => !tracker.finishedAt.has(id)),
    drainAfterLastKillMs,
    startedAt: started,
    submitMs,
    roundMs: Date.now() - started,
  };
}

export {
  creditsLost,
  expectKillRoundSound,
  finishKillRound,
  killRoundFigures,
  type KillRoundEnd,
} from './kill-round-end';
