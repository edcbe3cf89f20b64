/**
 * Runs the transports of live-status.ts for one generation: the event
 * stream first, polling every 2 s when the stream fails, nothing once the
 * generation has ended. Also the page's shared one-second clock.
 */
import { useCallback, useEffect, useReducer, useRef, useSyncExternalStore } from 'react';
import { ApiError } from '../../lib/api';
import { generationEventsUrl, getGeneration } from './api';
import { isTerminal } from './format';
import {
  initialLiveState,
  isFatalPollError,
  liveReducer,
  parseGenerationEvent,
  pollDelay,
  type LiveState,
} from './live-status';
import type { Generation } from './types';

export interface LiveGeneration extends LiveState {
  /** An update from elsewhere (the answer to a cancel), merged by the same rules. */
  apply: (generation: Generation) => void;
}

export function useLiveGeneration(
  initial: Generation,
  locale: string,
  onSettled?: (generation: Generation) => void,
): LiveGeneration {
  const [state, dispatch] = useReducer(liveReducer, initial, (generation) =>
    initialLiveState(generation, typeof EventSource !== 'undefined'),
  );
  const { transport } = state;
  const { id } = initial;

  useEffect(() => {
    if (transport !== 'stream') return;
    const source = new EventSource(generationEventsUrl(id));
    source.addEventListener('generation', (event) => {
      const generation = parseGenerationEvent(event.data, id);
      if (!generation) return;
      // The server ends the stream after a final status; closing first keeps
      // EventSource from reconnecting to a stream that has nothing more to say.
      if (isTerminal(generation.status)) source.close();
      dispatch({ type: 'update', generation });
    });
    source.onerror = () => {
      source.close();
      dispatch({ type: 'stream-failed' });
    };
    return () => source.close();
  }, [transport, id]);

  useEffect(() => {
    if (transport !== 'poll') return;
    let stopped = false;
    let failures = 0;
    let timer: ReturnType<typeof setTimeout>;
    const poll = () => {
      getGeneration(id, locale).then(
        (generation) => {
          if (stopped) return;
          failures = 0;
          dispatch({ type: 'update', generation });
          timer = setTimeout(poll, pollDelay(failures));
        },
        (error: unknown) => {
          if (stopped) return;
          const fatal = error instanceof ApiError && isFatalPollError(error.status);
          dispatch({ type: 'poll-failed', fatal });
          if (!fatal) timer = setTimeout(poll, pollDelay(++failures));
        },
      );
    };
    timer = setTimeout(poll, pollDelay(0));
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [transport, id, locale]);

  // Once, when a generation that was running ends here. The stream cannot
  // send the page's language (EventSource has no headers), so an error text
  // is fetched again in it before it is shown.
  const settled = useRef(isTerminal(initial.status));
  const { generation } = state;
  useEffect(() => {
    if (settled.current || !isTerminal(generation.status)) return;
    settled.current = true;
    onSettled?.(generation);
    if (generation.status === 'succeeded') return;
    getGeneration(generation.id, locale).then(
      (localized) => dispatch({ type: 'update', generation: localized }),
      () => undefined,
    );
  }, [generation, locale, onSettled]);

  const apply = useCallback((next: Generation) => dispatch({ type: 'update', generation: next }), []);
  return { ...state, apply };
}

/*
 * One clock for every running card: a single interval while anyone listens,
 * none otherwise. `0` until the first subscriber (and on the server), which
 * the elapsed-time helpers read as "no clock yet".
 */
let now = 0;
let clock: ReturnType<typeof setInterval> | undefined;
const clockListeners = new Set<() => void>();

function subscribeClock(listener: () => void) {
  clockListeners.add(listener);
  if (clock === undefined) {
    now = Date.now();
    clock = setInterval(() => {
      now = Date.now();
      for (const notify of clockListeners) notify();
    }, 1000);
  }
  return () => {
    clockListeners.delete(listener);
    if (clockListeners.size === 0 && clock !== undefined) {
      clearInterval(clock);
      clock = undefined;
    }
  };
}

const noClock = () => () => undefined;
const readClock = () => now;
const serverClock = () => 0;

/** The time, updated every second while `running` (a stopwatch); 0 otherwise. */
export function useClock(running: boolean): number {
  return useSyncExternalStore(
    running ? subscribeClock : noClock,
    running ? readClock : serverClock,
    serverClock,
  );
}
