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
  /**
   * Given by a caller that takes the document as a string (the render
   * worker): the entry then returns a Response without a body and leaves the
   * document here, with the Response it belongs to. Building the body stream
   * and reading it back cost ~10 % of a page render.
   */
  document?: RenderedDocument;
}

export interface RenderedDocument {
  response?: Response;
  html?: string;
}

export const appContext = createContext<AppLoadContext | null>(null);
