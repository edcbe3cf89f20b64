/**
 * Theme: light, dark or system. The server puts the right value on <html>
 * in the first HTML (from the functional `theme` cookie, when consented;
 * prerendered pages get it patched in), so <html> is the source of truth in
 * the browser. Components read it through useSyncExternalStore: while
 * hydrating they see what the markup was rendered with (the loader's value),
 * right after they see <html>'s value, so hydration never mismatches.
 * Without functional consent a choice lasts for this visit only (no storage).
 */
import { createContext, useCallback, useContext, useMemo, useSyncExternalStore, type ReactNode } from 'react';
import { parseTheme, type Theme } from '../../shared/theme';
import { setBrowserCookie } from './browser-storage';
import { useConsent } from './consent';

interface ThemeValue {
  theme: Theme;
  setTheme: (theme: Theme) => void;
}

const ThemeContext = createContext<ThemeValue>({ theme: 'system', setTheme: () => undefined });
const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function documentTheme(): Theme {
  return parseTheme(document.documentElement.dataset.theme);
}

export function applyThemeToDocument(theme: Theme) {
  const root = document.documentElement;
  root.dataset.theme = theme;
  root.classList.remove('light', 'dark');
  if (theme !== 'system') root.classList.add(theme);
  for (const listener of listeners) listener();
}

export function ThemeProvider({ initial, children }: { initial: Theme; children: ReactNode }) {
  const { consent } = useConsent();
  const theme = useSyncExternalStore(subscribe, documentTheme, () => initial);
  const setTheme = useCallback(
    (next: Theme) => {
      applyThemeToDocument(next);
      setBrowserCookie('theme', next, consent); // refused (no-op) without functional consent
    },
    [consent],
  );
  const value = useMemo(() => ({ theme, setTheme }), [theme, setTheme]);
  return <ThemeContext.Provider value={value}>{children}</ThemeContext.Provider>;
}

export function useTheme(): ThemeValue {
  return useContext(ThemeContext);
}
