/**
 * Loads a cursor-paginated API list in the browser: the first page on mount
 * (and again when `fetchPage` changes, e.g. with the language), more on
 * demand. Answers for a superseded request are dropped.
 */
import { useCallback, useEffect, useReducer, useRef } from 'react';
import { cursorListReducer, initialCursorList, type CursorListState } from './cursor-list';

export interface CursorList<T extends { id: string }> extends CursorListState<T> {
  loadMore: () => void;
  /** Loads the first page again (after an error). */
  reload: () => void;
  remove: (id: string) => void;
}

export function useCursorList<T extends { id: string }>(
  fetchPage: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>,
): CursorList<T> {
  const [state, dispatch] = useReducer(cursorListReducer<T>, undefined, initialCursorList<T>);
  const request = useRef(0);

  const load = useCallback(
    (more: boolean, cursor: string | null) => {
      const id = ++request.current;
      if (more) dispatch({ type: 'load', more });
      fetchPage(cursor).then(
        (page) => {
          if (id === request.current)
            dispatch({ type: 'page', items: page.items, nextCursor: page.nextCursor, more });
        },
        () => {
          if (id === request.current) dispatch({ type: 'failed', more });
        },
      );
    },
    [fetchPage],
  );

  useEffect(() => {
    load(false, null);
  }, [load]);

  const { nextCursor } = state;
  const loadMore = useCallback(() => load(true, nextCursor), [load, nextCursor]);
  const reload = useCallback(() => {
    dispatch({ type: 'load', more: false });
    load(false, null);
  }, [load]);
  const remove = useCallback((id: string) => dispatch({ type: 'remove', id }), []);
  return { ...state, loadMore, reload, remove };
}
