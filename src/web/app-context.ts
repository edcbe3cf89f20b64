/**
 * What the server hands to route loaders (React Router middleware-style
 * context). Absent during build-time prerendering, so loaders must work
 * without it (they then render the anonymous, system-theme page).
 */
import { createContext } from 'react-router';
import type { PageSession } from '../server/pages/page-session';

export interface AppLoadContext {
  getSession(): Promise<PageSession | null>;
  nonce: string;
  secureCookies: boolean;
}

export const appContext = createContext<AppLoadContext | null>(null);
