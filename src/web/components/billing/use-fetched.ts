/**
 * One API read in the browser, as the billing pages make them: loading,
 * failed or there, fetched on mount and again when the fetcher changes (the
 * language), with a retry that shows the loading state again. Answers to a
 * superseded request are dropped. `update` edits the value in place (after
 * a change the API answered with).
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export type Fetched<T> = { status: 'loading' } | { status: 'error' } | { status: 'ready'; value: T };

export interface FetchedValue<T> {
  state: Fetched<T>;
  /** The value once there, else null. */
  value: T | null;
  reload: () => void;
  update: (change: (value: T) => T) => void;
}

export function useFetched<T>(fetcher: () => Promise<T>): FetchedValue<T> {
  const [state, setState] = useState<Fetched<T>>({ status: 'loading' });
  const request = useRef(0);

  const run = useCallback(() => {
    const id = ++request.current;
    fetcher().then(
      (value) => {
        if (id === request.current) setState({ status: 'ready', value });
      },
      () => {
        if (id === request.current) setState({ status: 'error' });
      },
    );
  }, [fetcher]);

  useEffect(() => {
    run();
  }, [run]);

  const reload = useCallback(() => {
    setState({ status: 'loading' });
    run();
  }, [run]);

  const update = useCallback((change: (value: T) => T) => {
    setState((previous) =>
      previous.status === 'ready' ? { status: 'ready', value: change(previous.value) } : previous,
    );
  }, []);

  return { state, value: state.status === 'ready' ? state.value : null, reload, update };
}
