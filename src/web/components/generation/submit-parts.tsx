/**
 * The parts around a request form's fields that the generator and the
 * compare page share: submitting with the button or Ctrl/⌘+Enter, the
 * submit's error banner (with a link to buy credits when that is the
 * problem), and the balance under the cost. Each page keeps its own
 * data-testids.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import type { Translator } from '../../../i18n';
import { ApiError } from '../../lib/api';
import type { CreditBalance } from '../../lib/credit-balance';
import { useI18n, useLocalePath } from '../../lib/i18n';
import { AppLink } from '../ui/app-link';
import { Alert } from '../ui/card';
import { countText } from './format';

/** A submit's failure as the banner shows it; `pricing` adds the link to buy credits. */
export interface SubmitError {
  text: string;
  pricing: boolean;
}

/** A failed submit's banner text: the server's message and any field messages the form cannot show. */
export function submitErrorOf(t: Translator, error: unknown, others: readonly string[] = []): SubmitError {
  if (!(error instanceof ApiError) || error.code === 'network')
    return { text: t('error.network'), pricing: false };
  return {
    text: [error.message || t('error.internal'), ...others].join(' '),
    pricing: error.code === 'insufficient_credits',
  };
}

/** The request's <form>: submits without a page load, and Ctrl/⌘+Enter anywhere in it submits too. */
export function RequestForm({
  busy,
  onSubmit,
  testId,
  children,
}: {
  busy: boolean;
  onSubmit: () => void;
  testId: string;
  children: ReactNode;
}) {
  return (
    <form
      className="grid gap-5"
      noValidate
      aria-busy={busy}
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          onSubmit();
        }
      }}
      data-testid={testId}
    >
      {children}
    </form>
  );
}

/** Above the fields; scrolled into view when an error arrives (focus stays on the form). */
export function SubmitErrorBanner({ error, testId }: { error: SubmitError | null; testId: string }) {
  const { t } = useI18n();
  const localePath = useLocalePath();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (error) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [error]);
  return (
    <div ref={ref} className="empty:hidden">
      {error ? (
        <Alert tone="error" data-testid={testId}>
          {error.text}
          {error.pricing ? (
            <>
              {' '}
              <AppLink to={localePath('/pricing')} className="font-medium underline underline-offset-2">
                {t('generate.getCredits')}
              </AppLink>
            </>
          ) : null}
        </Alert>
      ) : null}
    </div>
  );
}

/** Under the cost: the member's balance, and a link to buy credits when the total is more. */
export function BalanceNote({
  balance,
  total,
}: {
  balance: CreditBalance | null;
  total: number | undefined;
}) {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const short = total !== undefined && balance !== null && total > balance.available;
  return (
    <>
      {balance ? (
        <p className="text-xs text-muted-foreground">
          {t('generate.balance', { credits: countText(t, locale, 'generation.credits', balance.available) })}
        </p>
      ) : null}
      {short ? (
        <p className="text-xs text-destructive">
          {t('generate.balanceLow')}{' '}
          <AppLink to={localePath('/pricing')} className="underline underline-offset-2">
            {t('generate.getCredits')}
          </AppLink>
        </p>
      ) : null}
    </>
  );
}
