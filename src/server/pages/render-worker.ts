/**
 * A page-rendering worker thread (see render-pool.ts). It runs React
 * Router's request handler (loaders and React's server renderer) on its own
 * core; anything that needs the database, today the session lookup, is asked
 * of the main thread, which owns the database.
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { createRequestHandler, RouterContextProvider, type ServerBuild } from 'react-router';
import type { PageSession } from './page-session';
import type { FromWorker, RenderJob, ToWorker } from './render-protocol';
import { readCookie } from '../../shared/cookie-header';
import type { appContext as AppContextKey, RenderedDocument } from '../../web/app-context';

const port = parentPort;
if (!port) throw new Error('render-worker must run as a worker thread');
const { serverBuildFile } = workerData as { serverBuildFile: string };

const build = (await import(pathToFileURL(serverBuildFile).href)) as ServerBuild;
const handle = createRequestHandler(build, 'production');
const key = (build.entry.module as unknown as { appContext: typeof AppContextKey }).appContext;
const encoder = new TextEncoder();
const sessionWaiters = new Map<
  number,
  { resolve: (s: PageSession | null) => void; reject: (e: Error) => void }
>();

function send(message: FromWorker, transfer: ArrayBuffer[] = []) {
  port!.postMessage(message, transfer);
}

function askSession(id: number): Promise<PageSession | null> {
  return new Promise((resolve, reject) => {
    sessionWaiters.set(id, { resolve, reject });
    send({ type: 'getSession', id });
  });
}

async function render(job: RenderJob) {
  try {
    const context = new RouterContextProvider();
    let session: Promise<PageSession | null> | undefined;
    // No session cookie, no session: most renders (visitors) need no round trip.
    const hasSessionCookie =
      readCookie(job.headers.find(([name]) => name === 'cookie')?.[1], job.sessionCookie) !== undefined;
    const document: RenderedDocument = {};
    context.set(key, {
      getSession: () => (session ??= hasSessionCookie ? askSession(job.id) : Promise.resolve(null)),
      nonce: job.nonce,
      secureCookies: job.secureCookies,
      document,
    });
    const response = await handle(
      new Request(job.url, { method: job.method, headers: job.headers }),
      context,
    );
    let body: ArrayBuffer | null = null;
    if (job.method !== 'HEAD') {
      if (document.response === response) {
        // The document came as a string (entry.server.tsx): encoded here, off the main thread.
        body = encoder.encode(document.html).buffer;
      } else if (document.response) {
        // The entry's bodiless response was replaced on its way out: the main thread renders it.
        throw new Error('the rendered document did not reach the response');
      } else {
        body = await response.arrayBuffer();
      }
    }
    send(
      { type: 'rendered', id: job.id, status: response.status, headers: [...response.headers], body },
      body ? [body] : [],
    );
  } catch (error) {
    send({ type: 'failed', id: job.id, message: error instanceof Error ? error.message : String(error) });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'session') {
    const waiter = sessionWaiters.get(message.id);
    sessionWaiters.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.session);
  } else {
    void render(message);
  }
});

send({ type: 'ready' });
