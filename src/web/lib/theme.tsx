/**
 * Theme: light, dark or system. The server put the right class in the first
 * HTML (from the functional `theme` cookie, when consented); the client
 * starts from what the HTML says, so hydration never flips it. Without
 * functional consent a choice lasts for this visit only (memory, no storage).
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { parseTheme, type Theme } from '../../shared/theme';
import { setBrowserCookie } from './browser-storage';
import { useConsent } from './consent';

interface ThemeValue {
  theme: Theme;
  setTheme: (theme: Theme) => void;
}

const ThemeContext = createContext<ThemeValue>({ theme: 'system', setTheme: () => undefined });

export function applyThemeToDocument(theme: Theme) {
  const root = document.documentElement;
  root.dataset.theme = theme;
  root.classList.remove('light', 'dark');
  if (theme !== 'system') root.classList.add(theme);
}

export function ThemeProvider({ initial, children }: { initial: Theme; children: ReactNode }) {
  const { consent } = useConsent();
  const [theme, setThemeState] = useState<Theme>(() =>
    typeof document === 'undefined' ? initial : parseTheme(document.documentElement.dataset.theme),
  );
  const setTheme = useCallback(
    (next: Theme) => {
      setThemeState(next);
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
