/**
 * The pricing page (public): credit packs, plans by month or year, and what
 * an image costs on a few models. Prices come from GET /api/billing/catalog
 * in the browser: the catalog depends on the operator's Stripe setup, so the
 * page is not prerendered. Members buy straight from here (Stripe's hosted
 * checkout); visitors are sent to sign-up first, and a subscriber's other
 * plans point to the billing page, where plans are changed. While payments
 * are not configured the page says so and its buttons are off.
 */
import { useCallback, useState, type ReactNode } from 'react';
import { useRouteLoaderData } from 'react-router';
import type { Route } from './+types/pricing';
import { getCatalog, getOverview } from '../components/billing/api';
import { groupPlans, planIntervals, yearlySavingPercent } from '../components/billing/catalog';
import { formatMoney } from '../components/billing/money';
import { creditsText, tierName } from '../components/billing/names';
import {
  CostExamples,
  IntervalToggle,
  PackCard,
  PlanCard,
  type ItemAction,
} from '../components/billing/pricing-parts';
import { useCheckout } from '../components/billing/use-checkout';
import { useFetched } from '../components/billing/use-fetched';
import { AppLink } from '../components/ui/app-link';
import { Alert } from '../components/ui/card';
import { ListSkeleton, LoadFailed } from '../components/ui/load-states';
import type { BillingPlan, BillingSubscriptionView, PlanInterval } from '../../shared/billing';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) =>
  pageMeta(args, { title: 'pricing.title', description: 'pricing.description' }, '/pricing');

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'pricing') };
}

export default function Pricing() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const root = useRouteLoaderData<{ user?: { name: string } | null }>('root');
  const signedIn = Boolean(root?.user);
  const [chosen, setChosen] = useState<PlanInterval>('month');
  const checkout = useCheckout();
  const catalogLoad = useFetched(useCallback(() => getCatalog(locale), [locale]));
  // A subscriber sees their plan marked and changes plans on the billing page
  // (a second checkout would be refused). Informational: a failure changes nothing.
  const subscriptionLoad = useFetched(
    useCallback(
      () =>
        signedIn
          ? getOverview(locale).then((overview) =>
              overview.subscription?.hasAccess ? overview.subscription : null,
            )
          : Promise.resolve(null),
      [signedIn, locale],
    ),
  );
  const subscription = signedIn ? subscriptionLoad.value : null;

  const load = catalogLoad.state;
  const catalog = catalogLoad.value;
  const enabled = catalog?.enabled ?? false;
  const signUp = localePath('/sign-up');

  function actionFor(item: { id: string; purchasable: boolean }, plan?: BillingPlan): ItemAction {
    if (!enabled || !item.purchasable) return { kind: 'unavailable' };
    if (!signedIn) return { kind: 'link', to: signUp };
    if (plan && subscription) {
      return plan.id === subscription.planId
        ? { kind: 'unavailable' }
        : { kind: 'link', to: localePath('/billing') };
    }
    return {
      kind: 'checkout',
      onClick: () => checkout.start(item.id),
      busy: checkout.busyItem === item.id,
      blocked: checkout.busyItem !== null,
    };
  }
  const errorFor = (id: string) => (checkout.error?.itemId === id ? checkout.error.message : null);

  return (
    <div className="pb-8">
      <section
        aria-labelledby="pricing-title"
        className="border-b bg-linear-to-b from-accent/60 to-background"
      >
        <div className="mx-auto max-w-3xl px-4 py-14 text-center sm:py-20">
          <h1 id="pricing-title" className="text-3xl font-bold tracking-tight text-balance sm:text-5xl">
            {t('pricing.hero.title')}
          </h1>
          <p className="mt-5 text-lg text-muted-foreground">{t('pricing.hero.subtitle')}</p>
          <p className="mt-3 text-sm text-muted-foreground">{t('pricing.hero.stripe')}</p>
        </div>
      </section>

      <div className="mx-auto max-w-6xl px-4">
        {load.status === 'loading' ? (
          <ListSkeleton
            label={t('pricing.loading')}
            count={4}
            className="mt-10 grid gap-4 sm:grid-cols-2 lg:grid-cols-4"
            itemClassName="h-44 rounded-lg"
          />
        ) : load.status === 'error' || !catalog ? (
          <LoadFailed
            className="mt-10 grid justify-items-start gap-3"
            message={t('pricing.loadFailed')}
            retryLabel={t('pricing.retry')}
            onRetry={catalogLoad.reload}
          />
        ) : (
          <>
            {!catalog.enabled ? (
              <Alert className="mt-10" data-testid="pricing-not-configured">
                {t('pricing.notConfigured')}
              </Alert>
            ) : !signedIn ? (
              <p className="mt-10 text-center text-sm text-muted-foreground">{t('pricing.signUpNote')}</p>
            ) : null}

            <PricingSection
              id="pricing-packs"
              title={t('pricing.packs.heading')}
              intro={t('pricing.packs.intro')}
            >
              {catalog.packs.length === 0 ? (
                <p className="text-sm text-muted-foreground">{t('pricing.packs.empty')}</p>
              ) : (
                <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                  {catalog.packs.map((pack) => {
                    const credits = creditsText(t, locale, pack.credits);
                    const price = formatMoney(locale, pack.amount, pack.currency);
                    return (
                      <PackCard
                        key={pack.id}
                        pack={pack}
                        action={actionFor(pack)}
                        texts={
                          pack.purchasable
                            ? {
                                label: t('pricing.pack.buy'),
                                ariaLabel: t('pricing.pack.buyLabel', { credits, price }),
                              }
                            : { label: t('pricing.notForSale') }
                        }
                        error={errorFor(pack.id)}
                      />
                    );
                  })}
                </div>
              )}
            </PricingSection>

            <Plans
              plans={catalog.plans}
              chosen={chosen}
              onChoose={setChosen}
              subscription={subscription}
              actionFor={actionFor}
              errorFor={errorFor}
            />

            <PricingSection
              id="pricing-examples"
              title={t('pricing.examples.heading')}
              intro={t('pricing.examples.intro')}
            >
              <CostExamples examples={catalog.examples} />
            </PricingSection>
          </>
        )}

        <p className="mt-12 text-center text-sm text-muted-foreground">
          {withLink(
            t('pricing.faq'),
            'faq',
            <AppLink
              to={localePath('/faq')}
              className="font-medium text-primary underline underline-offset-4"
            >
              {t('pricing.faqLink')}
            </AppLink>,
          )}
        </p>
      </div>
    </div>
  );
}

function PricingSection({
  id,
  title,
  intro,
  aside,
  children,
}: {
  id: string;
  title: string;
  intro: string;
  aside?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={id} className="mt-14">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div className="max-w-2xl">
          <h2 id={id} className="text-2xl font-bold tracking-tight">
            {title}
          </h2>
          <p className="mt-2 text-muted-foreground">{intro}</p>
        </div>
        {aside}
      </div>
      <div className="mt-6">{children}</div>
    </section>
  );
}

function Plans({
  plans,
  chosen,
  onChoose,
  subscription,
  actionFor,
  errorFor,
}: {
  plans: readonly BillingPlan[];
  chosen: PlanInterval;
  onChoose: (interval: PlanInterval) => void;
  subscription: BillingSubscriptionView | null;
  actionFor: (item: BillingPlan, plan: BillingPlan) => ItemAction;
  errorFor: (id: string) => string | null;
}) {
  const { t, locale } = useI18n();
  const intervals = planIntervals(plans);
  const interval = intervals.includes(chosen) ? chosen : (intervals[0] ?? 'month');
  const tiers = groupPlans(plans);
  const savings = tiers.map(yearlySavingPercent).filter((p): p is number => p !== null);
  const bestSaving = savings.length > 0 ? Math.max(...savings) : null;

  return (
    <PricingSection
      id="pricing-plans"
      title={t('pricing.plans.heading')}
      intro={t('pricing.plans.intro')}
      aside={
        intervals.length > 1 ? (
          <IntervalToggle
            intervals={intervals}
            value={interval}
            onChange={onChoose}
            note={bestSaving !== null ? t('pricing.plan.save', { percent: bestSaving }) : undefined}
          />
        ) : null
      }
    >
      {plans.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t('pricing.plans.empty')}</p>
      ) : (
        <div className="grid gap-4 md:grid-cols-2 lg:grid-cols-3">
          {tiers.map((tier) => {
            const plan = tier[interval];
            if (!plan) return null;
            const current = subscription?.planId === plan.id;
            const name = tierName(t, plan.tier);
            const price = formatMoney(locale, plan.amount, plan.currency);
            const texts = !plan.purchasable
              ? { label: t('pricing.notForSale') }
              : current
                ? { label: t('pricing.plan.current') }
                : subscription
                  ? {
                      label: t('pricing.plan.change'),
                      ariaLabel: t('pricing.plan.changeLabel', { plan: name }),
                    }
                  : {
                      label: t('pricing.plan.subscribe'),
                      ariaLabel: t('pricing.plan.subscribeLabel', { plan: name, price }),
                    };
            return (
              <PlanCard
                key={tier.tier}
                plan={plan}
                savingPercent={interval === 'year' ? yearlySavingPercent(tier) : null}
                action={actionFor(plan, plan)}
                texts={texts}
                error={errorFor(plan.id)}
                current={current}
              />
            );
          })}
        </div>
      )}
    </PricingSection>
  );
}

/** Puts a link where a translated sentence has its `{name}` placeholder. */
function withLink(template: string, name: string, node: ReactNode): ReactNode {
  const [before, after] = template.split(`{${name}}`);
  if (after === undefined) return template;
  return (
    <>
      {before}
      {node}
      {after}
    </>
  );
}
