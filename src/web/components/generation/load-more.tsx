/**
 * The foot of a cursor-paged list (history, credits): "Load more" while
 * there is a next page, a note at the end, and an alert when loading more
 * failed. Texts come from the page, in its own namespace.
 */
import { Button } from '../ui/button';
import type { CursorList } from './use-cursor-list';

export function LoadMore({
  list,
  texts,
  testId,
}: {
  list: Pick<CursorList<{ id: string }>, 'status' | 'nextCursor' | 'loadMore'>;
  texts: { loadMore: string; loadingMore: string; failed: string; end: string };
  testId: string;
}) {
  return (
    <div className="mt-6 grid justify-items-center gap-2 text-sm">
      {list.status === 'error-more' ? (
        <p role="alert" className="text-destructive">
          {texts.failed}
        </p>
      ) : null}
      {list.nextCursor !== null ? (
        <Button
          variant="outline"
          onClick={list.loadMore}
          disabled={list.status === 'loading-more'}
          data-testid={testId}
        >
          {list.status === 'loading-more' ? texts.loadingMore : texts.loadMore}
        </Button>
      ) : (
        <p className="text-muted-foreground">{texts.end}</p>
      )}
    </div>
  );
}
