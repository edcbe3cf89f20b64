/**
 * Server rendering. The platform's pages load their data before rendering
 * (no deferred data yet), so a document is sent whole, as one buffer.
 *
 * Two renderers give the same bytes (render-paths.process.test.ts compares
 * them on every kind of page):
 *
 * - `renderWhole`, the default. React Router hands the loader data to the
 *   browser through a stream that `<ServerRouter>` reads while rendering,
 *   suspending once per chunk. Here the stream is read to its end first and
 *   the chunks are handed to React Router's own reader (its per-render
 *   cache), so nothing suspends and the page renders in one synchronous
 *   pass with `renderToString`. Measured on the sign-in page: ~30 % less CPU
 *   per page than streaming (decision 010). A caller that gives a document
 *   slot (the render worker) gets the document as a string there and a
 *   Response without a body.
 * - `renderStreaming`: `renderToPipeableStream`, waiting for every boundary
 *   (onAllReady). Used when the whole render cannot be trusted: the data
 *   stream or React Router's render state is not where this file expects it
 *   (a React Router upgrade), the render threw, or a boundary suspended and
 *   was left to the browser (deferred data, a lazy component). Streaming then
 *   waits for it, and reports a failure the way React Router expects.
 */
import { renderToPipeableStream, renderToString } from 'react-dom/server';
import type { EntryContext, RouterContextProvider } from 'react-router';
import { ServerRouter } from 'react-router';
import { bundleByPath } from '../i18n/bundles';
import { appContext } from './app-context';
import { setServerMessagesLookup } from './lib/message-store';

// Pages render from the message bundles in memory (loaders send references).
setServerMessagesLookup((ref) => bundleByPath(ref)?.messages);

// The server reads this export so that its context key is this bundle's instance.
export { appContext };

/** Rendering that takes longer than this is aborted (a hung loader must not pin a socket). */
export const streamTimeout = 10_000;

/** React's mark for a boundary it could not render on the server (the browser renders it). */
const CLIENT_RENDERED_BOUNDARY = '<!--$!';
/** What the streaming renderer writes before a document whose root is `<html>`. */
const DOCTYPE = '<!DOCTYPE html>';

/** What React Router hands the entry: request, status, headers, its context, the load context. */
type EntryArgs = [
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  routerContext: EntryContext,
  loadContext: RouterContextProvider,
];

export default async function handleRequest(...args: EntryArgs): Promise<Response> {
  return (await renderWhole(...args)) ?? renderStreaming(...args);
}

/** The one-pass render described above; undefined when the page must be streamed instead. */
export async function renderWhole(
  ...[request, responseStatusCode, responseHeaders, routerContext, loadContext]: EntryArgs
): Promise<Response | undefined> {
  if (!(await readHandoffAhead(routerContext))) return undefined;
  const nonce = loadContext.get(appContext)?.nonce;
  let html: string;
  try {
    html = renderToString(<ServerRouter context={routerContext} url={request.url} nonce={nonce} />);
  } catch {
    return undefined;
  }
  if (html.includes(CLIENT_RENDERED_BOUNDARY)) return undefined;
  responseHeaders.set('content-type', 'text/html; charset=utf-8');
  const body = html.startsWith('<html') ? DOCTYPE + html : html;
  const slot = loadContext.get(appContext)?.document;
  if (!slot) return new Response(body, { headers: responseHeaders, status: responseStatusCode });
  const response = new Response(null, { headers: responseHeaders, status: responseStatusCode });
  slot.response = response;
  slot.html = body;
  return response;
}

/**
 * React Router's handoff reader (`StreamTransfer`) keeps each chunk it has
 * read in `renderMeta.streamCache[i]`, a promise carrying `result`; a chunk
 * found there is written without suspending. This fills that cache from the
 * whole stream. False when the context does not have that shape.
 */
async function readHandoffAhead(routerContext: EntryContext): Promise<boolean> {
  const context = routerContext as EntryContext & {
    serverHandoffStream?: ReadableStream<Uint8Array>;
    renderMeta?: { streamCache?: Record<number, unknown> };
  };
  const stream = context.serverHandoffStream;
  const renderMeta = context.renderMeta;
  if (!stream || !renderMeta || typeof renderMeta !== 'object' || renderMeta.streamCache) return false;
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const cache: Record<number, Promise<void> & { result?: { done: boolean; value: string } }> = {};
  try {
    for (let index = 0; ; index++) {
      const { done, value } = await reader.read();
      cache[index] = Object.assign(Promise.resolve(), {
        result: { done, value: decoder.decode(value, { stream: true }) },
      });
      if (done) break;
    }
  } catch {
    // A broken stream: the streaming renderer meets the same error and reports it as React Router does.
    return false;
  } finally {
    // <ServerRouter> takes a reader of its own; it reads nothing once the cache is full.
    reader.releaseLock();
  }
  renderMeta.streamCache = cache;
  return true;
}

/** React's streaming renderer, sent once every boundary is ready. */
export function renderStreaming(
  ...[request, responseStatusCode, responseHeaders, routerContext, loadContext]: EntryArgs
): Promise<Response> {
  const nonce = loadContext.get(appContext)?.nonce;
  return new Promise<Response>((resolve, reject) => {
    let failed = false;
    const { pipe, abort } = renderToPipeableStream(
      <ServerRouter context={routerContext} url={request.url} nonce={nonce} />,
      {
        nonce,
        onAllReady() {
          pipe(
            collect((body) => {
              clearTimeout(timer);
              responseHeaders.set('content-type', 'text/html; charset=utf-8');
              resolve(
                new Response(body, { headers: responseHeaders, status: failed ? 500 : responseStatusCode }),
              );
            }),
          );
        },
        onShellError(error: unknown) {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
        onError(error: unknown) {
          failed = true;
          console.error(error);
        },
      },
    );
    const timer = setTimeout(abort, streamTimeout + 1000);
  });
}

/**
 * The smallest destination React's pipe() accepts (write, end, on): it keeps
 * the chunks and hands over one buffer at the end. A PassThrough stream here
 * cost ~10 % of a page render in event and buffer bookkeeping.
 */
function collect(done: (body: Uint8Array<ArrayBuffer>) => void) {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const sink = {
    write(chunk: Uint8Array | string) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(bytes);
      length += bytes.byteLength;
      return true;
    },
    end() {
      const joined = Buffer.concat(chunks, length);
      done(new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength));
      return sink;
    },
    on() {
      return sink;
    },
  };
  return sink as unknown as NodeJS.WritableStream;
}
