/**
 * Following one generation until it ends, as a pure reducer. The page first
 * listens to the server's event stream; if the stream fails (proxy, network,
 * a browser without EventSource) it polls instead. Updates can arrive out of
 * order (a slow poll answer after a stream event, a cancel response after
 * the final event), so a status never moves backwards and a final status is
 * never replaced by another. The hook in use-live-generation.ts runs the transports.
 */
import { isTerminal } from './format';
import type { Generation, GenerationStatus } from './types';

export type Transport = 'stream' | 'poll' | 'done';

export interface LiveState {
  generation: Generation;
  transport: Transport;
  /** Polls that failed in a row (shown as "reconnecting" and slowing the polls down). */
  failures: number;
  /** Updates stopped before the end (the generation is gone or the session ended). */
  lost: boolean;
}

export type LiveEvent =
  | { type: 'update'; generation: Generation }
  | { type: 'stream-failed' }
  | { type: 'poll-failed'; fatal: boolean };

const rank: Record<GenerationStatus, number> = {
  queued: 0,
  running: 1,
  succeeded: 2,
  failed: 2,
  canceled: 2,
};

export function initialLiveState(generation: Generation, canStream: boolean): LiveState {
  return {
    generation,
    transport: isTerminal(generation.status) ? 'done' : canStream ? 'stream' : 'poll',
    failures: 0,
    lost: false,
  };
}

export function liveReducer(state: LiveState, event: LiveEvent): LiveState {
  switch (event.type) {
    case 'update': {
      const next = event.generation;
      if (next.id !== state.generation.id) return state;
      const current = state.generation;
      // A final status is final: only a fresher copy of the same one (say, its
      // error text in another language) may replace it.
      const stale = isTerminal(current.status)
        ? next.status !== current.status
        : rank[next.status] < rank[current.status];
      if (stale) return state.failures === 0 ? state : { ...state, failures: 0 };
      return {
        generation: next,
        transport: isTerminal(next.status) ? 'done' : state.transport,
        failures: 0,
        lost: false,
      };
    }
    case 'stream-failed':
      return state.transport === 'stream' ? { ...state, transport: 'poll' } : state;
    case 'poll-failed':
      if (state.transport !== 'poll') return state;
      return event.fatal
        ? { ...state, transport: 'done', lost: true }
        : { ...state, failures: state.failures + 1 };
  }
}

/** The polling interval the contract asks for. */
export const POLL_INTERVAL_MS = 2000;
/** Upper bound of the back-off while the server cannot be reached. */
export const MAX_POLL_INTERVAL_MS = 16_000;

/** Every 2 s; after failures in a row, 4, 8, then 16 s, so an outage is not hammered. */
export function pollDelay(failures: number): number {
  return Math.min(POLL_INTERVAL_MS * 2 ** Math.max(0, failures), MAX_POLL_INTERVAL_MS);
}

/** A poll error after which polling again cannot help: signed out, not allowed, deleted. */
export function isFatalPollError(status: number): boolean {
  return status === 401 || status === 403 || status === 404;
}

/** One stream message's data, or undefined when it is not a generation of this id. */
export function parseGenerationEvent(data: unknown, id: string): Generation | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const value = JSON.parse(data) as Partial<Generation> | null;
    return value && value.id === id && typeof value.status === 'string' && value.status in rank
      ? (value as Generation)
      : undefined;
  } catch {
    return undefined;
  }
}
