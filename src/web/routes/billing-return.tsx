/**
 * Where Stripe's checkout sends the member back: `/billing/success` after
 * paying, `/billing/cancel` after leaving without paying (both with
 * `?order=<id>`). One route for the two keeps the route list that every
 * page downloads one entry shorter (the landing page's JavaScript budget);
 * each outcome keeps its own texts and component.
 */
import { data } from 'react-router';
import type { Route } from './+types/billing-return';
import { BillingCancelPage } from '../components/billing/cancel-page';
import { BillingSuccessPage } from '../components/billing/success-page';
import { pageMeta } from '../lib/meta';
import { pageMessages } from '../lib/messages.server';

const outcomes = ['success', 'cancel'] as const;
type Outcome = (typeof outcomes)[number];

const isOutcome = (value: string | undefined): value is Outcome =>
  (outcomes as readonly (string | undefined)[]).includes(value);

export const meta: Route.MetaFunction = (args) => {
  const outcome = isOutcome(args.params.outcome) ? args.params.outcome : 'success';
  const ns = outcome === 'success' ? 'billingSuccess' : 'billingCancel';
  return [
    ...pageMeta(args, { title: `${ns}.title`, description: `${ns}.description` }, `/billing/${outcome}`),
    { name: 'robots', content: 'noindex' },
  ];
};

export function loader({ params }: Route.LoaderArgs) {
  if (!isOutcome(params.outcome)) throw data(null, { status: 404 });
  return {
    outcome: params.outcome,
    messages: pageMessages(params.lang, params.outcome === 'success' ? 'billingSuccess' : 'billingCancel'),
  };
}

export default function BillingReturn({ loaderData }: Route.ComponentProps) {
  return loaderData.outcome === 'success' ? <BillingSuccessPage /> : <BillingCancelPage />;
}
