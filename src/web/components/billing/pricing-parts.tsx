/**
 * The pricing page's pieces: a pack card, a plan card, the monthly/yearly
 * switch and the table of what an image costs. The page decides what each
 * card's button does (start a checkout, send a visitor to sign-up, send a
 * subscriber to the billing page, or nothing while payments are off).
 */
import type { ReactNode } from 'react';
import type { BillingPack, BillingPlan, ModelPriceExample, PlanInterval } from '../../../shared/billing';
import { cn } from '../../lib/cn';
import { formatNumber } from '../../lib/count-text';
import { useI18n } from '../../lib/i18n';
import { AppLink } from '../ui/app-link';
import { buttonClasses, type ButtonVariant } from '../ui/button';
import { Alert, Card } from '../ui/card';
import { formatMoney, monthlyShare } from './money';
import { creditsText, intervalName, modelName, tierName } from './names';

/** What an item's button does. */
export type ItemAction =
  | { kind: 'checkout'; onClick: () => void; busy: boolean; blocked: boolean }
  | { kind: 'link'; to: string }
  | { kind: 'unavailable' };

export interface ActionTexts {
  label: string;
  /** The accessible name: what is bought and for how much. */
  ariaLabel?: string;
}

function ActionButton({
  action,
  texts,
  testId,
  variant = 'primary',
}: {
  action: ItemAction;
  texts: ActionTexts;
  testId: string;
  variant?: ButtonVariant;
}) {
  const { t } = useI18n();
  const classes = buttonClasses(variant, 'md', 'w-full');
  if (action.kind === 'link') {
    return (
      <AppLink to={action.to} className={classes} aria-label={texts.ariaLabel} data-testid={testId}>
        {texts.label}
      </AppLink>
    );
  }
  if (action.kind === 'unavailable') {
    return (
      <button type="button" disabled className={classes} data-testid={testId}>
        {texts.label}
      </button>
    );
  }
  return (
    <button
      type="button"
      className={classes}
      disabled={action.busy || action.blocked}
      aria-busy={action.busy || undefined}
      aria-label={action.busy ? undefined : texts.ariaLabel}
      onClick={action.onClick}
      data-testid={testId}
    >
      {action.busy ? t('pricing.redirecting') : texts.label}
    </button>
  );
}

function ItemError({ message }: { message: string | null }) {
  return message ? <Alert tone="error">{message}</Alert> : null;
}

export function PackCard({
  pack,
  action,
  texts,
  error,
}: {
  pack: BillingPack;
  action: ItemAction;
  texts: ActionTexts;
  error: string | null;
}) {
  const { t, locale } = useI18n();
  return (
    <Card className="flex flex-col gap-4 p-5" data-pack={pack.id}>
      <div>
        <h3 className="text-lg font-semibold">{creditsText(t, locale, pack.credits)}</h3>
        <p className="mt-2 text-3xl font-bold tabular-nums">
          {formatMoney(locale, pack.amount, pack.currency)}
        </p>
      </div>
      <div className="mt-auto grid gap-3">
        <ItemError message={error} />
        <ActionButton action={action} texts={texts} testId={`pricing-pack-${pack.id}`} variant="outline" />
      </div>
    </Card>
  );
}

export function PlanCard({
  plan,
  savingPercent,
  action,
  texts,
  error,
  current,
}: {
  plan: BillingPlan;
  savingPercent: number | null;
  action: ItemAction;
  texts: ActionTexts;
  error: string | null;
  current: boolean;
}) {
  const { t, locale } = useI18n();
  const credits = creditsText(t, locale, plan.creditsPerPeriod);
  return (
    <Card className={cn('flex flex-col gap-4 p-6', current && 'border-primary')} data-plan={plan.id}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-lg font-semibold">{tierName(t, plan.tier)}</h3>
        {current ? (
          <span className="rounded-full border border-primary/40 px-2 py-0.5 text-xs font-medium text-primary">
            {t('pricing.plan.current')}
          </span>
        ) : savingPercent !== null ? (
          <span className="rounded-full border border-success/40 px-2 py-0.5 text-xs font-medium text-success">
            {t('pricing.plan.save', { percent: savingPercent })}
          </span>
        ) : null}
      </div>
      <div>
        <p className="flex flex-wrap items-baseline gap-x-2">
          <span className="text-3xl font-bold tabular-nums">
            {formatMoney(locale, plan.amount, plan.currency)}
          </span>
          <span className="text-sm text-muted-foreground">{t(`billingItem.pricePer.${plan.interval}`)}</span>
        </p>
        {plan.interval === 'year' ? (
          <p className="mt-1 text-sm text-muted-foreground">
            {t('pricing.plan.monthlyShare', {
              price: formatMoney(locale, monthlyShare(plan.amount), plan.currency),
            })}
          </p>
        ) : null}
      </div>
      <ul className="grid gap-2 text-sm">
        <li className="flex gap-2">
          <span aria-hidden className="text-primary">
            ✓
          </span>
          <span className="font-medium">{t(`billingItem.perPeriod.${plan.interval}`, { credits })}</span>
        </li>
        <li className="flex gap-2 text-muted-foreground">
          <span aria-hidden className="text-primary">
            ✓
          </span>
          <span>{t('pricing.plan.expire')}</span>
        </li>
      </ul>
      <div className="mt-auto grid gap-3">
        <ItemError message={error} />
        <ActionButton action={action} texts={texts} testId={`pricing-plan-${plan.id}`} />
      </div>
    </Card>
  );
}

/** Monthly or yearly: a pair of toggle buttons (each says whether it is pressed). */
export function IntervalToggle({
  intervals,
  value,
  onChange,
  note,
}: {
  intervals: readonly PlanInterval[];
  value: PlanInterval;
  onChange: (interval: PlanInterval) => void;
  /** Shown beside the yearly choice, e.g. "Save 20%". */
  note?: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div
      role="group"
      aria-label={t('pricing.interval.label')}
      className="inline-flex flex-wrap gap-1 rounded-lg border bg-muted p-1"
    >
      {intervals.map((interval) => {
        const pressed = interval === value;
        return (
          <button
            key={interval}
            type="button"
            aria-pressed={pressed}
            onClick={() => onChange(interval)}
            data-testid={`pricing-interval-${interval}`}
            className={cn(
              'inline-flex items-center gap-2 rounded-md px-4 py-1.5 text-sm font-medium transition-colors',
              pressed
                ? 'bg-background text-foreground shadow-sm'
                : 'text-muted-foreground hover:text-foreground',
            )}
          >
            {intervalName(t, interval)}
            {interval === 'year' && note ? <span className="text-xs text-success">{note}</span> : null}
          </button>
        );
      })}
    </div>
  );
}

/** Credits per image on a few models: what the credits buy. */
export function CostExamples({ examples }: { examples: readonly ModelPriceExample[] }) {
  const { t, locale } = useI18n();
  if (examples.length === 0) {
    return <p className="mt-4 text-sm text-muted-foreground">{t('pricing.examples.empty')}</p>;
  }
  return (
    <div className="relative mt-4 overflow-x-auto rounded-lg border bg-card">
      <table className="w-full text-left text-sm" data-testid="pricing-examples">
        <caption className="sr-only">{t('pricing.examples.caption')}</caption>
        <thead className="bg-muted">
          <tr>
            <th scope="col" className="p-3 font-medium">
              {t('pricing.examples.model')}
            </th>
            <th scope="col" className="p-3 font-medium">
              {t('pricing.examples.provider')}
            </th>
            <th scope="col" className="p-3 text-right font-medium">
              {t('pricing.examples.credits')}
            </th>
          </tr>
        </thead>
        <tbody>
          {examples.map((example) => (
            <tr key={example.modelId} className="border-t">
              <th scope="row" className="p-3 font-medium">
                {modelName(example.name, locale)}
              </th>
              <td className="p-3 text-muted-foreground">{example.provider}</td>
              <td className="p-3 text-right tabular-nums">{formatNumber(locale, example.credits)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
