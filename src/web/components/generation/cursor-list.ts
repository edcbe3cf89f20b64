/**
 * A list read page by page with an opaque cursor ("Load more"), as a pure
 * reducer. Rows are keyed by id: a row that shows up again on the next page
 * (something new was added in between and shifted the pages) is not listed
 * twice, and a removed row stays removed.
 */
export interface CursorListState<T extends { id: string }> {
  items: T[];
  /** The cursor of the next page; null when the last page has been read. */
  nextCursor: string | null;
  status: 'loading' | 'idle' | 'loading-more' | 'error' | 'error-more';
}

export type CursorListEvent<T extends { id: string }> =
  | { type: 'load'; more: boolean }
  | { type: 'page'; items: T[]; nextCursor: string | null; more: boolean }
  | { type: 'failed'; more: boolean }
  | { type: 'remove'; id: string }
  | { type: 'replace'; item: T };

export function initialCursorList<T extends { id: string }>(): CursorListState<T> {
  return { items: [], nextCursor: null, status: 'loading' };
}

export function cursorListReducer<T extends { id: string }>(
  state: CursorListState<T>,
  event: CursorListEvent<T>,
): CursorListState<T> {
  switch (event.type) {
    case 'load':
      return { ...state, status: event.more ? 'loading-more' : 'loading' };
    case 'page': {
      if (!event.more) return { items: event.items, nextCursor: event.nextCursor, status: 'idle' };
      const known = new Set(state.items.map((item) => item.id));
      return {
        items: [...state.items, ...event.items.filter((item) => !known.has(item.id))],
        nextCursor: event.nextCursor,
        status: 'idle',
      };
    }
    case 'failed':
      return { ...state, status: event.more ? 'error-more' : 'error' };
    case 'remove':
      return { ...state, items: state.items.filter((item) => item.id !== event.id) };
    case 'replace':
      return { ...state, items: state.items.map((item) => (item.id === event.item.id ? event.item : item)) };
  }
}
