/**
 * What a page shows in place of a list (or form) it is fetching in the
 * browser: pulsing placeholders at about the final size, announced once to
 * screen readers, and, when the fetch failed, the error with a retry
 * button. Shared by the member pages (history, credits, compare, the
 * generator) and the admin pages so each loads and fails the same way.
 */
import { cn } from '../../lib/cn';
import { Button } from './button';
import { Alert } from './card';

/** `count` placeholders; `className` lays them out, `itemClassName` sizes and shapes each. */
export function ListSkeleton({
  label,
  count,
  className,
  itemClassName,
}: {
  label: string;
  count: number;
  className: string;
  itemClassName: string;
}) {
  return (
    <div className={className} aria-busy="true">
      <p className="sr-only" role="status">
        {label}
      </p>
      {Array.from({ length: count }, (_, i) => (
        <div
          key={i}
          aria-hidden
          className={cn(itemClassName, 'animate-pulse bg-muted motion-reduce:animate-none')}
        />
      ))}
    </div>
  );
}

/** The load's error and a button to try again. */
export function LoadFailed({
  message,
  retryLabel,
  onRetry,
  className = 'grid justify-items-start gap-3',
}: {
  message: string;
  retryLabel: string;
  onRetry: () => void;
  className?: string;
}) {
  return (
    <div className={className}>
      <Alert tone="error">{message}</Alert>
      <Button variant="outline" onClick={onRetry}>
        {retryLabel}
      </Button>
    </div>
  );
}
