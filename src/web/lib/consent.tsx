/**
 * The visitor's consent, in the browser. The choice is made here, recorded by
 * the server (POST /api/consent writes the proof and the consent cookie), and
 * then applied: storage of refused categories is removed at once.
 * Until a current choice exists, only essential storage is used.
 */
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { currentConsent, type ConsentAction, type ConsentState } from '../../shared/consent';
import type { OptionalCategory } from '../../shared/cookie-registry';
import { apiFetch } from './api';
import { getBrowserCookie, purgeDisallowed } from './browser-storage';

interface ConsentValue {
  /** The current choice; undefined before one is made (or while rendering on the server). */
  consent: ConsentState | undefined;
  /** True once the browser has read the cookie (the banner never renders on the server). */
  ready: boolean;
  preferencesOpen: boolean;
  openPreferences: () => void;
  closePreferences: () => void;
  choose: (action: ConsentAction, categories?: OptionalCategory[]) => Promise<void>;
}

const ConsentContext = createContext<ConsentValue | null>(null);

/*
 * The consent cookie is external state: read through useSyncExternalStore,
 * which renders the server snapshot (no consent known) during hydration and
 * the cookie's value right after, without an effect that sets state.
 */
const listeners = new Set<() => void>();
let cachedRaw: string | undefined | null = null;
let cachedState: ConsentState | undefined;

function readConsent(): ConsentState | undefined {
  const raw = getBrowserCookie('consent');
  if (raw !== cachedRaw) {
    cachedRaw = raw;
    cachedState = currentConsent(raw, Math.floor(Date.now() / 1000));
  }
  return cachedState;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const noSubscription = () => () => undefined;

export function ConsentProvider({ locale, children }: { locale: string; children: ReactNode }) {
  const consent = useSyncExternalStore(subscribe, readConsent, () => undefined);
  const ready = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
  const [preferencesOpen, setPreferencesOpen] = useState(false);

  useEffect(() => {
    purgeDisallowed(readConsent());
  }, []);

  const choose = useCallback(
    async (action: ConsentAction, categories?: OptionalCategory[]) => {
      await apiFetch('/api/consent', { body: { action, categories }, locale });
      purgeDisallowed(readConsent());
      for (const listener of listeners) listener();
      setPreferencesOpen(false);
    },
    [locale],
  );

  const value = useMemo<ConsentValue>(
    () => ({
      consent,
      ready,
      preferencesOpen,
      openPreferences: () => setPreferencesOpen(true),
      closePreferences: () => setPreferencesOpen(false),
      choose,
    }),
    [consent, ready, preferencesOpen, choose],
  );
  return <ConsentContext.Provider value={value}>{children}</ConsentContext.Provider>;
}

export function useConsent(): ConsentValue {
  const value = useContext(ConsentContext);
  if (!value) throw new Error('useConsent needs <ConsentProvider>');
  return value;
}
