/**
 * The member's billing page: the current plan (renewal or end date, a
 * retried payment), cancelling at period end or resuming, changing plans
 * (from the next period), Stripe's portal for payment methods, notices about
 * claw-backs and failed payments, and the orders and invoices with their
 * receipts. Everything comes from GET /api/billing; the catalog names the
 * plans and lists the ones to change to.
 */
import { useCallback, useState } from 'react';
import type { Route } from './+types/billing';
import {
  cancelSubscription,
  changePlan,
  errorText,
  getCatalog,
  getOverview,
  openPortal,
  resumeSubscription,
} from '../components/billing/api';
import {
  InvoicesTable,
  NoticeList,
  OrdersTable,
  StatusPill,
  type PillTone,
} from '../components/billing/billing-parts';
import { changeTargets, findPlan } from '../components/billing/catalog';
import { formatDay } from '../components/billing/dates';
import { formatMoney } from '../components/billing/money';
import { creditsText, intervalName, tierName } from '../components/billing/names';
import { summarizeSubscription } from '../components/billing/subscription';
import { goToStripe, useResetOnPageShow } from '../components/billing/use-checkout';
import { useFetched } from '../components/billing/use-fetched';
import { AppLink } from '../components/ui/app-link';
import { Button, buttonClasses } from '../components/ui/button';
import { Alert, Card } from '../components/ui/card';
import { ListSkeleton, LoadFailed } from '../components/ui/load-states';
import type {
  BillingCatalogView,
  BillingOverview,
  BillingPlan,
  BillingSubscriptionView,
  SubscriptionStatus,
} from '../../shared/billing';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(args, { title: 'billing.title', description: 'billing.description' }, '/billing'),
  { name: 'robots', content: 'noindex' },
];

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'billing') };
}

/** What the member just did, or what went wrong doing it. */
interface Outcome {
  tone: 'success' | 'error';
  text: string;
}

type Busy = 'cancel' | 'resume' | 'portal' | `change:${string}` | null;

const statusTones: Record<SubscriptionStatus, PillTone> = {
  active: 'good',
  trialing: 'good',
  past_due: 'bad',
  unpaid: 'bad',
  incomplete: 'progress',
  incomplete_expired: 'neutral',
  canceled: 'neutral',
  paused: 'neutral',
};

export default function Billing() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const overviewLoad = useFetched(useCallback(() => getOverview(locale), [locale]));
  // Names the plans and lists the others; without it the page still works.
  const catalog = useFetched(useCallback(() => getCatalog(locale), [locale])).value;
  const [busy, setBusy] = useState<Busy>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useResetOnPageShow(() => setBusy(null));

  const load = overviewLoad.state;
  const overview = overviewLoad.value;
  const updateSubscription = (subscription: BillingSubscriptionView) =>
    overviewLoad.update((previous) => ({ ...previous, subscription }));

  function act(
    kind: Exclude<Busy, null>,
    call: () => Promise<BillingSubscriptionView>,
    done: (s: BillingSubscriptionView) => string,
  ) {
    setBusy(kind);
    setOutcome(null);
    call().then(
      (subscription) => {
        updateSubscription(subscription);
        setOutcome({ tone: 'success', text: done(subscription) });
        setBusy(null);
      },
      (failure: unknown) => {
        setOutcome({ tone: 'error', text: errorText(t, failure) });
        setBusy(null);
      },
    );
  }

  const planLabel = (plan: BillingPlan | null, planId: string | null) =>
    plan
      ? t('billingItem.plan', { tier: tierName(t, plan.tier), interval: intervalName(t, plan.interval) })
      : (planId ?? t('billing.plan.unnamed'));

  const portal = () => {
    setBusy('portal');
    setOutcome(null);
    openPortal(locale).then(
      ({ url }) => goToStripe(url),
      (failure: unknown) => {
        setOutcome({ tone: 'error', text: errorText(t, failure) });
        setBusy(null);
      },
    );
  };

  return (
    <div className="mx-auto max-w-5xl px-4 py-8">
      <div className="flex flex-wrap items-baseline justify-between gap-3">
        <h1 className="text-2xl font-bold">{t('billing.heading')}</h1>
        <AppLink
          to={localePath('/credits')}
          className="text-sm font-medium text-primary underline underline-offset-4"
        >
          {t('billing.creditHistory')}
        </AppLink>
      </div>

      {load.status === 'loading' ? (
        <ListSkeleton
          label={t('billing.loading')}
          count={3}
          className="mt-6 grid gap-4"
          itemClassName="h-32 rounded-lg"
        />
      ) : load.status === 'error' || !overview ? (
        <LoadFailed
          className="mt-6 grid justify-items-start gap-3"
          message={t('billing.loadFailed')}
          retryLabel={t('billing.retry')}
          onRetry={overviewLoad.reload}
        />
      ) : (
        <>
          {!overview.enabled ? <Alert className="mt-6">{t('billing.notConfigured')}</Alert> : null}

          {overview.notices.length > 0 ? (
            <NoticeList
              notices={overview.notices}
              onPortal={overview.enabled ? portal : null}
              portalBusy={busy !== null}
            />
          ) : null}

          <PlanPanel
            overview={overview}
            catalog={catalog}
            busy={busy}
            outcome={outcome}
            planLabel={planLabel}
            onCancel={() =>
              act(
                'cancel',
                () => cancelSubscription(locale),
                (s) => t('billing.cancelled', { date: formatDay(locale, s.currentPeriodEnd) }),
              )
            }
            onResume={() =>
              act(
                'resume',
                () => resumeSubscription(locale),
                (s) => t('billing.resumed', { date: formatDay(locale, s.currentPeriodEnd) }),
              )
            }
            onChange={(plan) =>
              act(
                `change:${plan.id}`,
                () => changePlan(plan.id, locale),
                () => t('billing.changed', { plan: planLabel(plan, plan.id) }),
              )
            }
            onPortal={portal}
          />

          <OrdersTable orders={overview.orders} catalog={catalog} />
          <InvoicesTable invoices={overview.invoices} />
        </>
      )}
    </div>
  );
}

function PlanPanel({
  overview,
  catalog,
  busy,
  outcome,
  planLabel,
  onCancel,
  onResume,
  onChange,
  onPortal,
}: {
  overview: BillingOverview;
  catalog: BillingCatalogView | null;
  busy: Busy;
  outcome: Outcome | null;
  planLabel: (plan: BillingPlan | null, planId: string | null) => string;
  onCancel: () => void;
  onResume: () => void;
  onChange: (plan: BillingPlan) => void;
  onPortal: () => void;
}) {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const { subscription, enabled } = overview;
  const summary = summarizeSubscription(subscription);
  const plan = findPlan(catalog, subscription?.planId ?? null);
  const date = formatDay(locale, summary.date);
  const targets =
    summary.canChange && catalog && enabled ? changeTargets(catalog.plans, subscription?.planId ?? null) : [];
  // The portal needs a Stripe customer: one exists once the member has bought something.
  const hasCustomer = subscription !== null || overview.orders.length > 0;
  const working = busy !== null;

  return (
    <section aria-labelledby="billing-plan-heading" className="mt-8">
      <Card className="p-5 sm:p-6">
        <h2 id="billing-plan-heading" className="text-sm text-muted-foreground">
          {t('billing.plan.heading')}
        </h2>
        <div
          className="mt-2 grid gap-2"
          data-testid="billing-plan-status"
          data-phase={summary.phase}
          data-status={subscription?.status ?? 'none'}
        >
          {subscription ? (
            <>
              <p className="flex flex-wrap items-center gap-x-3 gap-y-1">
                <span className="text-xl font-semibold">{planLabel(plan, subscription.planId)}</span>
                <StatusPill tone={summary.phase === 'ending' ? 'neutral' : statusTones[subscription.status]}>
                  {summary.phase === 'ending'
                    ? t('billing.status.ending')
                    : t(`billing.status.${subscription.status}`)}
                </StatusPill>
              </p>
              {plan ? (
                <p className="text-sm text-muted-foreground">
                  {t(`billingItem.perPeriod.${plan.interval}`, {
                    credits: creditsText(t, locale, plan.creditsPerPeriod),
                  })}
                  {' · '}
                  {t(`billingItem.priceFor.${plan.interval}`, {
                    price: formatMoney(locale, plan.amount, plan.currency),
                  })}
                </p>
              ) : null}
              <p className="text-sm">
                {summary.phase === 'renewing' && date
                  ? t('billing.plan.renews', { date })
                  : summary.phase === 'ending' && date
                    ? t('billing.plan.ends', { date })
                    : summary.phase === 'inactive'
                      ? date
                        ? t('billing.plan.ended', { date })
                        : t('billing.plan.inactive')
                      : null}
              </p>
            </>
          ) : (
            <p className="text-sm">{t('billing.plan.none')}</p>
          )}
        </div>

        {summary.pastDue ? (
          <Alert tone="error" className="mt-4">
            {t('billing.plan.pastDue')}
          </Alert>
        ) : null}

        <div className="mt-5 flex flex-wrap gap-2">
          {summary.phase === 'none' || summary.phase === 'inactive' ? (
            <AppLink to={localePath('/pricing')} className={buttonClasses('primary', 'md')}>
              {t('billing.plan.seePricing')}
            </AppLink>
          ) : null}
          {enabled && summary.canCancel ? (
            <Button variant="outline" onClick={onCancel} disabled={working} data-testid="billing-cancel">
              {busy === 'cancel' ? t('billing.working') : t('billing.cancel')}
            </Button>
          ) : null}
          {enabled && summary.canResume ? (
            <Button onClick={onResume} disabled={working} data-testid="billing-resume">
              {busy === 'resume' ? t('billing.working') : t('billing.resume')}
            </Button>
          ) : null}
          {enabled && hasCustomer ? (
            <Button
              variant="outline"
              onClick={onPortal}
              disabled={working}
              aria-describedby="billing-portal-hint"
              data-testid="billing-portal"
            >
              {busy === 'portal' ? t('billing.redirecting') : t('billing.portal')}
            </Button>
          ) : null}
        </div>
        {enabled && hasCustomer ? (
          <p id="billing-portal-hint" className="mt-2 text-xs text-muted-foreground">
            {t('billing.portalHint')}
          </p>
        ) : null}

        <div role="status" aria-live="polite" className="mt-3 min-h-5" data-testid="billing-outcome">
          {outcome ? (
            <p className={outcome.tone === 'error' ? 'text-sm text-destructive' : 'text-sm text-success'}>
              {outcome.text}
            </p>
          ) : null}
        </div>

        {targets.length > 0 ? (
          <div className="mt-4 border-t pt-5">
            <h3 className="font-semibold">{t('billing.change.heading')}</h3>
            <p className="mt-1 text-sm text-muted-foreground">{t('billing.change.intro')}</p>
            <ul className="mt-3 divide-y rounded-md border">
              {targets.map((target) => {
                const label = planLabel(target, target.id);
                return (
                  <li key={target.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                    <div className="min-w-0">
                      <p className="font-medium">{label}</p>
                      <p className="text-sm text-muted-foreground">
                        {t(`billingItem.perPeriod.${target.interval}`, {
                          credits: creditsText(t, locale, target.creditsPerPeriod),
                        })}
                        {' · '}
                        {t(`billingItem.priceFor.${target.interval}`, {
                          price: formatMoney(locale, target.amount, target.currency),
                        })}
                      </p>
                    </div>
                    <Button
                      variant="outline"
                      size="sm"
                      onClick={() => onChange(target)}
                      disabled={working}
                      aria-label={t('billing.change.switchLabel', { plan: label })}
                      data-testid={`billing-change-${target.id}`}
                    >
                      {busy === `change:${target.id}` ? t('billing.working') : t('billing.change.switch')}
                    </Button>
                  </li>
                );
              })}
            </ul>
          </div>
        ) : null}
      </Card>
    </section>
  );
}
