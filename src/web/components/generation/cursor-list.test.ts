import { describe, expect, it } from 'vitest';
import { cursorListReducer, initialCursorList, type CursorListState } from './cursor-list';

type Row = { id: string; label?: string };
const reduce = cursorListReducer<Row>;

describe('cursor list', () => {
  it('starts loading and shows the first page', () => {
    const state = reduce(initialCursorList<Row>(), {
      type: 'page',
      items: [{ id: 'a' }, { id: 'b' }],
      nextCursor: 'c1',
      more: false,
    });
    expect(state).toEqual({ items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1', status: 'idle' });
  });

  it('appends the next page without listing a row twice', () => {
    let state: CursorListState<Row> = { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1', status: 'idle' };
    state = reduce(state, { type: 'load', more: true });
    expect(state.status).toBe('loading-more');
    state = reduce(state, { type: 'page', items: [{ id: 'b' }, { id: 'c' }], nextCursor: null, more: true });
    expect(state.items.map((row) => row.id)).toEqual(['a', 'b', 'c']);
    expect(state.nextCursor).toBeNull();
  });

  it('keeps what it has when a page fails, and says which one', () => {
    const state: CursorListState<Row> = { items: [{ id: 'a' }], nextCursor: 'c1', status: 'loading-more' };
    expect(reduce(state, { type: 'failed', more: true })).toEqual({ ...state, status: 'error-more' });
    expect(reduce(initialCursorList<Row>(), { type: 'failed', more: false }).status).toBe('error');
  });

  it('replaces the list when the first page is loaded again', () => {
    const state: CursorListState<Row> = { items: [{ id: 'a' }], nextCursor: 'c1', status: 'loading' };
    expect(
      reduce(state, { type: 'page', items: [{ id: 'z' }], nextCursor: null, more: false }).items,
    ).toEqual([{ id: 'z' }]);
  });

  it('removes and replaces rows by id', () => {
    const state: CursorListState<Row> = {
      items: [{ id: 'a' }, { id: 'b' }],
      nextCursor: null,
      status: 'idle',
    };
    expect(reduce(state, { type: 'remove', id: 'a' }).items).toEqual([{ id: 'b' }]);
    expect(reduce(state, { type: 'replace', item: { id: 'b', label: 'new' } }).items).toEqual([
      { id: 'a' },
      { id: 'b', label: 'new' },
    ]);
  });
});
