/**
 * The generator's "this session" list: the generations submitted from this
 * tab, newest first, each with the moment this browser submitted it.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Generation } from './types';

export interface SessionItem {
  generation: Generation;
  /** Date.now() at submit, for a stopwatch that ignores server clock skew. */
  localStart: number;
}

/**
 * This tab's generations, kept in memory across client-side navigations
 * (to the history and back, say) but never in storage; tied to the member,
 * so signing in as someone else in the same tab starts empty.
 */
let remembered: { owner: string; items: SessionItem[] } | null = null;

export function useSessionGenerations(owner: string) {
  const [session, setSession] = useState<SessionItem[]>(() =>
    remembered?.owner === owner ? remembered.items : [],
  );

  useEffect(() => {
    remembered = { owner, items: session };
  }, [owner, session]);

  /** A generation just created here goes first (replacing an earlier answer for the same one). */
  const add = useCallback((generation: Generation) => {
    setSession((items) => [
      { generation, localStart: Date.now() },
      ...items.filter((item) => item.generation.id !== generation.id),
    ]);
  }, []);

  /** Replaces a generation's state (when it ends), keeping its place and stopwatch. */
  const update = useCallback((generation: Generation) => {
    setSession((items) =>
      items.map((item) => (item.generation.id === generation.id ? { ...item, generation } : item)),
    );
  }, []);

  return { session, add, update };
}
