/**
 * What the server hands to route loaders (React Router middleware-style
 * context). Absent during build-time prerendering, so loaders must work
 * without it (they then render the anonymous, system-theme page).
 */
import { createContext } from 'react-router';
import type { CurrentSession } from '../server/auth/get-session';

export interface AppLoadContext {
  getSession(): Promise<CurrentSession | null>;
  nonce: string;
  secureCookies: boolean;
}

export const appContext = createContext<AppLoadContext | null>(null);
