/**
 * The member's credit balance in the browser, for the header chip and the
 * pages that show it. The member layout's loader data carries the balance
 * of each server render; pages publish fresher figures after they change it
 * (a submit places a hold, a finished generation settles or refunds it).
 * Kept in memory only: nothing is written to storage.
 */
import { useEffect, useSyncExternalStore } from 'react';
import { useRouteLoaderData } from 'react-router';
import { apiFetch } from './api';

/** `GET /api/credits`: credits that can be spent, and credits held for generations in progress. */
export interface CreditBalance {
  available: number;
  held: number;
}

let current: CreditBalance | null = null;
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function publishCreditBalance(balance: CreditBalance): void {
  if (current && current.available === balance.available && current.held === balance.held) return;
  current = { available: balance.available, held: balance.held };
  for (const listener of listeners) listener();
}

/** Reads the balance from the API and publishes it; failures keep the last figure (it is informational). */
export function refreshCreditBalance(locale: string): Promise<CreditBalance | null> {
  return apiFetch<CreditBalance>('/api/credits', { locale }).then(
    (balance) => {
      publishCreditBalance(balance);
      return balance;
    },
    () => null,
  );
}

const noBalance = () => null;

/**
 * The newest balance known: what a page published, else the server's
 * (`fromServer`, the loader's figure). While hydrating it is the server's, so
 * the markup matches; a new server figure (a navigation) is published too.
 */
export function useCreditBalance(fromServer: CreditBalance | null | undefined): CreditBalance | null {
  const published = useSyncExternalStore(subscribe, () => current, noBalance);
  const available = fromServer?.available;
  const held = fromServer?.held;
  useEffect(() => {
    if (available !== undefined && held !== undefined) publishCreditBalance({ available, held });
  }, [available, held]);
  return published ?? fromServer ?? null;
}

/**
 * The balance as the page knows it: what a page published, else what the
 * server rendered with. The server's figure is read loosely from the root's
 * or the member layout's loader data (whichever carries `credits`): pages
 * outside the member area have no member data at all.
 */
export function useKnownCreditBalance(): CreditBalance | null {
  const root = useRouteLoaderData<{ credits?: CreditBalance | null }>('root');
  const member = useRouteLoaderData<{ credits?: CreditBalance | null }>('routes/member-layout');
  return useCreditBalance(root?.credits ?? member?.credits);
}

let fetchedOnce = false;

/** Forgets the balance (signed out): the next member in this tab must not see it. */
export function resetCreditBalance(): void {
  fetchedOnce = false;
  if (current === null) return;
  current = null;
  for (const listener of listeners) listener();
}

/**
 * Asks the API once per page load when no figure is known at all (a server
 * render without `credits`); pages that change the balance refresh it
 * themselves.
 */
export function useCreditBalanceFallback(known: CreditBalance | null, locale: string): void {
  const missing = known === null;
  useEffect(() => {
    if (!missing || fetchedOnce) return;
    fetchedOnce = true;
    void refreshCreditBalance(locale);
  }, [missing, locale]);
}
