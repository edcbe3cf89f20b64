/**
 * Where Stripe sends the member after paying (`?order=<id>`). Stripe's
 * redirect usually beats its webhook, so this page polls the order every
 * second and shows what has really happened: credits added (for a plan: the
 * plan active), a delayed payment method still processing, a failed payment,
 * or still waiting. After about a minute it stops and says the credits will
 * arrive on their own; "Check again" polls for another minute. Once paid,
 * the header's balance is refreshed.
 */
import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { errorText, getCatalog, getOrder, isTransient } from './api';
import { findItem } from './catalog';
import { creditsText, itemName } from './names';
import { checkoutState, keepPolling, POLL_INTERVAL_MS, type CheckoutState } from './progress';
import { useFetched } from './use-fetched';
import { AppLink } from '../ui/app-link';
import { Button, buttonClasses } from '../ui/button';
import { Card } from '../ui/card';
import type { OrderStatusResponse } from '../../../shared/billing';
import { cn } from '../../lib/cn';
import { refreshCreditBalance } from '../../lib/credit-balance';
import { useI18n, useLocalePath } from '../../lib/i18n';

type ShownState = CheckoutState | 'error';

export function BillingSuccessPage() {
  const [params] = useSearchParams();
  const orderId = params.get('order');
  // Another order starts afresh (its own clock, no old answer).
  return <CheckoutResult key={orderId ?? ''} orderId={orderId} />;
}

function CheckoutResult({ orderId }: { orderId: string | null }) {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const [response, setResponse] = useState<OrderStatusResponse | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const [failure, setFailure] = useState<unknown>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (!orderId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let latest: OrderStatusResponse | null = null;
    const started = Date.now();
    const poll = async () => {
      try {
        latest = await getOrder(orderId, locale);
        if (stopped) return;
        setResponse(latest);
      } catch (error) {
        if (stopped) return;
        // A lost connection or a server hiccup is retried; a missing or foreign order is not.
        if (!isTransient(error)) {
          setFailure(error);
          return;
        }
      }
      const spent = Date.now() - started;
      setElapsed(spent);
      if (keepPolling(checkoutState(latest, spent), spent)) {
        timer = setTimeout(() => void poll(), POLL_INTERVAL_MS);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [orderId, locale, round]);

  const checkAgain = () => {
    setFailure(null);
    setElapsed(0);
    setRound((n) => n + 1);
  };

  // Names a plan; a pack is named by its credits without it.
  const catalog = useFetched(useCallback(() => getCatalog(locale), [locale])).value;

  const state: ShownState = !orderId || failure !== null ? 'error' : checkoutState(response, elapsed);
  const paid = state === 'paid';
  useEffect(() => {
    if (paid) void refreshCreditBalance(locale);
  }, [paid, locale]);

  const order = response?.order ?? null;
  const credits = order ? creditsText(t, locale, order.credits) : '';
  const isPlan = order?.kind === 'plan';
  const item = order ? findItem(catalog, order.kind, order.itemId) : null;

  const heading: Record<ShownState, string> = {
    waiting: t('billingSuccess.heading.waiting'),
    processing: t('billingSuccess.heading.processing'),
    paid: isPlan ? t('billingSuccess.heading.planActive') : t('billingSuccess.heading.paid'),
    failed: t('billingSuccess.heading.failed'),
    slow: t('billingSuccess.heading.slow'),
    error: t('billingSuccess.heading.error'),
  };
  const body: Record<ShownState, string> = {
    waiting: t('billingSuccess.body.waiting'),
    processing: t('billingSuccess.body.processing'),
    paid: isPlan
      ? t('billingSuccess.body.planActive', { credits })
      : t('billingSuccess.body.paid', { credits }),
    failed: order?.status === 'expired' ? t('billingSuccess.body.expired') : t('billingSuccess.body.failed'),
    slow: t('billingSuccess.body.slow'),
    error: orderId ? errorText(t, failure) : t('billingSuccess.noOrder'),
  };

  return (
    <div className="mx-auto max-w-xl px-4 py-12">
      <Card className="p-6 sm:p-8" data-testid="billing-success-state" data-state={state}>
        <div className="flex items-start gap-4">
          <StateMark state={state} />
          <div className="min-w-0">
            <h1 className="text-2xl font-bold">{heading[state]}</h1>
            <div role="status" aria-live="polite" className="mt-2 grid gap-2">
              <p className="text-muted-foreground">{body[state]}</p>
              {order && (!isPlan || item) ? (
                <p className="text-sm text-muted-foreground">
                  {t('billingSuccess.order', { item: itemName(t, locale, order, item) })}
                </p>
              ) : null}
            </div>
          </div>
        </div>
        <div className="mt-6 flex flex-wrap gap-2">
          {state === 'slow' ? (
            <Button variant="outline" onClick={checkAgain} data-testid="billing-success-check">
              {t('billingSuccess.checkAgain')}
            </Button>
          ) : null}
          {state === 'failed' ? (
            <AppLink to={localePath('/pricing')} className={buttonClasses('primary', 'md')}>
              {t('billingSuccess.pricing')}
            </AppLink>
          ) : (
            <AppLink
              to={localePath('/generate')}
              className={buttonClasses(paid ? 'primary' : 'outline', 'md')}
            >
              {t('billingSuccess.generate')}
            </AppLink>
          )}
          <AppLink to={localePath('/billing')} className={buttonClasses('outline', 'md')}>
            {t('billingSuccess.billing')}
          </AppLink>
        </div>
      </Card>
    </div>
  );
}

/** A check, a cross or a pulsing dot beside the heading (the heading says it in words). */
function StateMark({ state }: { state: ShownState }) {
  const base = 'mt-1 grid size-9 shrink-0 place-items-center rounded-full border text-lg';
  if (state === 'paid')
    return (
      <span aria-hidden className={cn(base, 'border-success/40 text-success')}>
        ✓
      </span>
    );
  if (state === 'failed' || state === 'error') {
    return (
      <span aria-hidden className={cn(base, 'border-destructive/40 text-destructive')}>
        ✕
      </span>
    );
  }
  if (state === 'slow')
    return (
      <span aria-hidden className={cn(base, 'text-muted-foreground')}>
        …
      </span>
    );
  return (
    <span aria-hidden className={cn(base, 'border-primary/40')}>
      <span className="size-2.5 animate-pulse rounded-full bg-primary motion-reduce:animate-none" />
    </span>
  );
}
