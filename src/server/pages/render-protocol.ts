/** Messages between the main thread and the page-rendering worker threads. */
import type { PageSession } from './page-session';

export interface RenderJob {
  type: 'render';
  id: number;
  url: string;
  method: 'GET' | 'HEAD';
  headers: [string, string][];
  nonce: string;
  secureCookies: boolean;
  /** The session cookie's name: without it in the request there is no session to ask for. */
  sessionCookie: string;
}

export interface SessionReply {
  type: 'session';
  id: number;
  session: PageSession | null;
  error?: string;
}

export type ToWorker = RenderJob | SessionReply;

export type FromWorker =
  | { type: 'ready' }
  | { type: 'rendered'; id: number; status: number; headers: [string, string][]; body: ArrayBuffer | null }
  | { type: 'failed'; id: number; message: string }
  | { type: 'getSession'; id: number };
