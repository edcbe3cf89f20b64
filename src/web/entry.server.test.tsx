/**
 * The entry's choice between its two renderers, with React Router's
 * <ServerRouter> replaced by a small stand-in that reads the data handoff
 * the way React Router's `StreamTransfer` does (its per-render cache). The
 * real <ServerRouter> on every kind of page is compared in
 * tests/process/render-paths.process.test.ts.
 */
import { Suspense, use } from 'react';
import type * as ReactRouter from 'react-router';
import type { EntryContext } from 'react-router';
import { RouterContextProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RenderedDocument } from './app-context';

interface FakeContext {
  serverHandoffStream?: ReadableStream<Uint8Array>;
  renderMeta?: {
    streamCache?: Record<number, Promise<void> & { result?: { value: string }; error?: unknown }>;
  };
  /** What the stand-in page does besides writing the handoff. */
  page: 'plain' | 'suspends' | 'throws';
  renders: string[];
}

const pending = new Map<string, Promise<void>>();

function Handoff({ context }: { context: FakeContext }) {
  const cache = (context.renderMeta!.streamCache ??= {});
  if (!cache[0]) {
    const reader = context.serverHandoffStream!.getReader();
    cache[0] = Object.assign(
      reader.read().then(
        (r) => {
          cache[0]!.result = { value: new TextDecoder().decode(r.value) };
        },
        (error: unknown) => {
          cache[0]!.error = error;
        },
      ),
      {},
    );
  }
  if (cache[0].error) throw cache[0].error;
  if (!cache[0].result) throw cache[0];
  return <script>{cache[0].result.value}</script>;
}

function Slow({ id }: { id: string }) {
  let promise = pending.get(id);
  if (!promise) pending.set(id, (promise = new Promise((resolve) => setTimeout(resolve, 5))));
  use(promise);
  return <p>late</p>;
}

function Broken(): never {
  throw new Error('broken page');
}

vi.mock('react-router', async (importOriginal) => ({
  ...(await importOriginal<typeof ReactRouter>()),
  ServerRouter: ({ context, nonce }: { context: FakeContext; nonce?: string }) => {
    context.renders.push(nonce ?? '');
    return (
      <html lang="en">
        <body>
          <main>page</main>
          {context.page === 'suspends' && (
            <Suspense fallback={<p>loading</p>}>
              <Slow id={context.renders.length === 1 ? 'first' : 'again'} />
            </Suspense>
          )}
          {context.page === 'throws' && <Broken />}
          {context.serverHandoffStream && (
            <Suspense>
              <Handoff context={context} />
            </Suspense>
          )}
        </body>
      </html>
    );
  },
}));

const { default: handleRequest, renderStreaming, renderWhole } = await import('./entry.server');
const { appContext } = await import('./app-context');

function handoff(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

function fakeContext(page: FakeContext['page'], withHandoff = true): FakeContext {
  return {
    page,
    renders: [],
    ...(withHandoff ? { serverHandoffStream: handoff('["data"]'), renderMeta: {} } : {}),
  };
}

function loadContext(document?: RenderedDocument) {
  const context = new RouterContextProvider();
  context.set(appContext, {
    getSession: () => Promise.resolve(null),
    nonce: 'n0nce',
    secureCookies: false,
    ...(document ? { document } : {}),
  });
  return context;
}

/** What React Router would hand the entry for `context`. */
function entryArgs(
  context: FakeContext,
  options: { status?: number; headers?: Headers; slot?: RenderedDocument } = {},
) {
  return [
    new Request('http://localhost/en'),
    options.status ?? 200,
    options.headers ?? new Headers(),
    context as unknown as EntryContext,
    loadContext(options.slot),
  ] as const;
}

/** The plain page with its handoff, as both renderers write it. */
const PLAIN_PAGE =
  '<!DOCTYPE html><html lang="en"><head></head><body><main>page</main><!--$--><script>["data"]</script><!--/$--></body></html>';

async function render(context: FakeContext) {
  const response = await handleRequest(...entryArgs(context));
  return { status: response.status, type: response.headers.get('content-type'), html: await response.text() };
}

afterEach(() => {
  pending.clear();
  vi.restoreAllMocks();
});

describe('entry.server', () => {
  it('renders a page whose data is ready in one pass, with the handoff written from the cache', async () => {
    const context = fakeContext('plain');
    const whole = await renderWhole(...entryArgs(context));
    expect(whole).toBeDefined();
    expect(context.renders).toEqual(['n0nce']);
    expect(await whole!.text()).toBe(PLAIN_PAGE);
    expect(whole!.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('leaves the document in the slot a caller gives, with a bodiless response', async () => {
    const slot: RenderedDocument = {};
    const response = await handleRequest(
      ...entryArgs(fakeContext('plain'), { status: 404, headers: new Headers({ 'x-kept': 'yes' }), slot }),
    );
    expect(slot.response).toBe(response);
    expect(response.body).toBeNull();
    expect(response.status).toBe(404);
    expect(response.headers.get('x-kept')).toBe('yes');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(slot.html).toBe(PLAIN_PAGE);
  });

  it('streams into the body even when a slot is given, if the page must be streamed', async () => {
    const slot: RenderedDocument = {};
    const response = await handleRequest(...entryArgs(fakeContext('suspends'), { slot }));
    expect(slot).toEqual({});
    expect(await response.text()).toContain('<p>late</p>');
  });

  it('gives the same document as the streaming renderer', async () => {
    const whole = await render(fakeContext('plain'));
    const streamed = await renderStreaming(...entryArgs(fakeContext('plain')));
    expect(whole.html).toBe(await streamed.text());
    expect(whole.type).toBe(streamed.headers.get('content-type'));
  });

  it('streams a page when a boundary suspends, and the document waits for it', async () => {
    const context = fakeContext('suspends');
    const page = await render(context);
    expect(context.renders).toHaveLength(2); // the one-pass render, then streaming
    expect(page.status).toBe(200);
    expect(page.html).toContain('<p>late</p>');
    expect(page.html).not.toContain('loading');
    expect(page.html).toContain('["data"]');
  });

  it('streams a page when the context has no handoff to read ahead', async () => {
    const context = fakeContext('plain', false);
    const page = await render(context);
    expect(context.renders).toHaveLength(1);
    expect(page.html).toBe(
      '<!DOCTYPE html><html lang="en"><head></head><body><main>page</main></body></html>',
    );
  });

  it('streams a page whose data stream breaks, and answers 500 as the streaming renderer does', async () => {
    const context: FakeContext = {
      page: 'plain',
      renders: [],
      renderMeta: {},
      serverHandoffStream: new ReadableStream({
        start(controller) {
          controller.error(new Error('the data stream broke'));
        },
      }),
    };
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const page = await render(context);
    expect(context.renders.length).toBeGreaterThanOrEqual(1);
    expect(page.status).toBe(500);
    expect(error).toHaveBeenCalled();
  });

  it('reports a page that throws the way the streaming renderer does (React Router then renders its error page)', async () => {
    const context = fakeContext('throws');
    // The streaming renderer logs what failed; the one-pass render before it logs nothing.
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(render(context)).rejects.toThrow('broken page');
    expect(context.renders).toHaveLength(2);
    expect(error).toHaveBeenCalledTimes(1);
  });
});
