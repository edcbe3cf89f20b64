/**
 * Where Stripe sends the member who left its checkout without paying
 * (`?order=<id>`): nothing was charged, and the way back to the prices.
 * The order simply expires on Stripe's side, so there is nothing to fetch.
 */
import type { Route } from './+types/billing-cancel';
import { AppLink } from '../components/ui/app-link';
import { buttonClasses } from '../components/ui/button';
import { Card } from '../components/ui/card';
import { useI18n, useLocalePath } from '../lib/i18n';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

export const meta: Route.MetaFunction = (args) => [
  ...pageMeta(
    args,
    { title: 'billingCancel.title', description: 'billingCancel.description' },
    '/billing/cancel',
  ),
  { name: 'robots', content: 'noindex' },
];

export function loader({ params }: Route.LoaderArgs) {
  return { messages: pageMessages(params.lang, 'billingCancel') };
}

export default function BillingCancel() {
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
