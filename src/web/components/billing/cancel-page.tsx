/**
 * Where Stripe sends the member who left its checkout without paying
 * (`?order=<id>`): nothing was charged, and the way back to the prices.
 * The order simply expires on Stripe's side, so there is nothing to fetch.
 */
import { AppLink } from '../ui/app-link';
import { buttonClasses } from '../ui/button';
import { Card } from '../ui/card';
import { useI18n, useLocalePath } from '../../lib/i18n';

export function BillingCancelPage() {
  const { t } = useI18n();
  const localePath = useLocalePath();
  return (
    <div className="mx-auto max-w-xl px-4 py-12">
      <Card className="p-6 sm:p-8" data-testid="billing-cancel-page">
        <h1 className="text-2xl font-bold">{t('billingCancel.heading')}</h1>
        <p className="mt-3 text-muted-foreground">{t('billingCancel.body')}</p>
        <div className="mt-6 flex flex-wrap gap-2">
          <AppLink to={localePath('/pricing')} className={buttonClasses('primary', 'md')}>
            {t('billingCancel.pricing')}
          </AppLink>
          <AppLink to={localePath('/billing')} className={buttonClasses('outline', 'md')}>
            {t('billingCancel.billing')}
          </AppLink>
        </div>
      </Card>
    </div>
  );
}
