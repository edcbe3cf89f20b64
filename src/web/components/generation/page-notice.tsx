/**
 * A member page's notice line (reused settings, a deletion, a failure to
 * open something): a polite live region, so it is announced without moving
 * focus, and always present so announcements are not missed.
 */
export interface Notice {
  tone: 'info' | 'error';
  text: string;
}

export function PageNotice({
  notice,
  className,
  testId,
}: {
  notice: Notice | null;
  className: string;
  testId: string;
}) {
  return (
    <div role="status" aria-live="polite" className={`${className} min-h-5 text-sm`} data-testid={testId}>
      {notice ? (
        <p className={notice.tone === 'error' ? 'text-destructive' : 'text-muted-foreground'}>
          {notice.text}
        </p>
      ) : null}
    </div>
  );
}
