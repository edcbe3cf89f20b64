/**
 * Buying from the pricing page: ask the API for a Stripe checkout session
 * and send the browser to Stripe's hosted page. While it goes the clicked
 * button says so; an error stays with the item it was about. A member whose
 * session ran out goes to sign-in and comes back to the pricing page. When
 * the browser's back button returns from Stripe with this page restored from
 * its cache, the buttons are usable again.
 */
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError } from '../../lib/api';
import { useI18n, useLocalePath } from '../../lib/i18n';
import { errorText, startCheckout } from './api';

export interface CheckoutError {
  itemId: string;
  message: string;
}

/** Leaves the site for Stripe (checkout or the billing portal). */
export function goToStripe(url: string): void {
  window.location.assign(url);
}

/** Clears a busy flag when the page comes back from the back/forward cache. */
export function useResetOnPageShow(reset: () => void): void {
  const latest = useRef(reset);
  useEffect(() => {
    latest.current = reset;
  });
  useEffect(() => {
    const onShow = (event: PageTransitionEvent) => {
      if (event.persisted) latest.current();
    };
    window.addEventListener('pageshow', onShow);
    return () => window.removeEventListener('pageshow', onShow);
  }, []);
}

export function useCheckout() {
  const { t, locale } = useI18n();
  const localePath = useLocalePath();
  const navigate = useNavigate();
  const [busyItem, setBusyItem] = useState<string | null>(null);
  const [error, setError] = useState<CheckoutError | null>(null);
  useResetOnPageShow(() => setBusyItem(null));

  const start = (itemId: string) => {
    setBusyItem(itemId);
    setError(null);
    startCheckout(itemId, locale).then(
      // The page stays busy until the browser has left for Stripe.
      ({ url }) => goToStripe(url),
      (failure: unknown) => {
        setBusyItem(null);
        if (failure instanceof ApiError && failure.status === 401) {
          const next = encodeURIComponent(localePath('/pricing'));
          void navigate(`${localePath('/sign-in')}?next=${next}`);
          return;
        }
        setError({ itemId, message: errorText(t, failure) });
      },
    );
  };

  return { busyItem, error, start };
}
