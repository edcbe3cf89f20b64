/**
 * Pages: React Router's Fetch request handler mounted inside Hono, plus the
 * production client build (static assets and prerendered pages) served from
 * memory. In development Vite serves the assets and everything renders live.
 */
import type { Context, Handler } from 'hono';
import { createRequestHandler, RouterContextProvider, type ServerBuild } from 'react-router';
import { allMessageBundles } from '../../i18n/bundles';
import { isLocale } from '../../i18n/server';
import { allows } from '../../shared/consent';
import { registryCookieHeader } from '../../shared/cookie-header';
import { cookieName } from '../../shared/cookie-registry';
import { parseTheme } from '../../shared/theme';
import { appContext } from '../../web/app-context';
import type { AppDeps, AppEnv } from '../http/context';
import { requestCookie, requestHeaderPairs } from '../http/request-headers';
import { contentSecurityPolicy, createNonce, documentSecurityHeaders } from '../http/security-headers';
import { loadPrerenderedPages, servePrerendered, type PrerenderedPage } from './prerendered';
import { getPageSession } from './page-session';
import type { RenderPool } from './render-pool';
import { requestLog } from '../http/request-log';
import { IMMUTABLE, loadStaticAssets, memoryFile, serveStaticFile, type StaticFile } from './static-assets';

export interface PagesOptions {
  /** The React Router server build (a function in dev, so edits are picked up). */
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: 'development' | 'production';
  /** build/client in production; omitted in development (Vite serves assets). */
  clientDir?: string;
  /** Worker threads that render GET pages (production); without it the main thread renders. */
  renderPool?: RenderPool;
  /** What is served from memory, when the caller loaded it (to answer some requests itself). */
  served?: ServedFiles;
}

/** The files and pages served from memory: the same for every visitor. */
export interface ServedFiles {
  /** Client build files and message bundles, by URL path. */
  assets: Map<string, StaticFile>;
  /** Prerendered pages, by URL path without a trailing slash. */
  prerendered: Map<string, PrerenderedPage>;
}

/** Reads the production client build and the message bundles into memory. */
export function loadServedFiles(options: PagesOptions, https: boolean): ServedFiles {
  let assets = new Map<string, StaticFile>();
  let prerendered = new Map<string, PrerenderedPage>();
  if (options.clientDir && typeof options.build !== 'function') {
    assets = loadStaticAssets(options.clientDir);
    prerendered = loadPrerenderedPages({
      clientDir: options.clientDir,
      paths: options.build.prerender,
      https,
    });
  }
  // Message bundles (src/i18n/bundles.ts): content-named, so immutable.
  for (const bundle of allMessageBundles()) {
    assets.set(bundle.path, memoryFile(Buffer.from(bundle.json), 'application/json', IMMUTABLE));
  }
  return { assets, prerendered };
}

/** The prerendered page for a URL path, if there is one (`/en/` is `/en`). */
export function prerenderedPage(served: ServedFiles, urlPath: string): PrerenderedPage | undefined {
  return served.prerendered.get(urlPath.replace(/\/$/, '') || '/');
}

export function pagesHandler(deps: AppDeps, options: PagesOptions): Handler<AppEnv> {
  const handleRequest = createRequestHandler(options.build, options.mode);
  const secure = deps.config.secureCookies;
  const themeCookie = cookieName('theme', secure);
  const localeCookie = cookieName('locale', secure);
  const sessionCookie = cookieName('session', secure);
  const documentHeaders = Object.entries(documentSecurityHeaders(secure));

  const served = options.served ?? loadServedFiles(options, secure);
  const { assets } = served;

  /**
   * With functional consent, the language of the page last visited becomes
   * the saved preference that `/` redirects to. Returns the Set-Cookie value
   * (lifetime and attributes from the cookie registry).
   * (Built by hand and appended to the returned response: Hono's setCookie
   * does not reach a Response object that a handler returns as is.)
   */
  function rememberLocale(c: Context<AppEnv>): string | undefined {
    const first = c.req.path.split('/')[1];
    if (!isLocale(first) || !allows(c.get('info').consent, 'functional')) return undefined;
    if (requestCookie(c, localeCookie) === first) return undefined;
    return registryCookieHeader(localeCookie, first, secure);
  }

  return async (c) => {
    const method = c.req.method;
    const isRead = method === 'GET' || method === 'HEAD';
    if (isRead) {
      const asset = assets.get(c.req.path);
      if (asset) return serveStaticFile(c, asset);
      const page = prerenderedPage(served, c.req.path);
      if (page && requestCookie(c, sessionCookie) === undefined) {
        const response = servePrerendered(c, page, parseTheme(requestCookie(c, themeCookie)));
        const locale = rememberLocale(c);
        if (locale) response.headers.append('set-cookie', locale);
        return response;
      }
    }
    const localeSetCookie = isRead ? rememberLocale(c) : undefined;
    const nonce = createNonce();
    const csp = contentSecurityPolicy({
      scriptSources: [`'nonce-${nonce}'`],
      https: secure,
      dev: options.mode === 'development',
    });
    if (isRead && options.renderPool) {
      try {
        const page = await options.renderPool.render({
          url: c.req.url,
          method,
          headers: requestHeaderPairs(c),
          nonce,
          secureCookies: secure,
          sessionCookie,
        });
        // Plain headers and a byte body: the Node adapter writes such a
        // response directly, without building fetch Headers or a stream.
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of page.headers) {
          if (name === 'set-cookie') ((headers[name] as string[] | undefined) ??= []).push(value);
          else headers[name] = value;
        }
        for (const [name, value] of documentHeaders) headers[name] = value;
        headers['content-security-policy'] = csp;
        if (localeSetCookie) ((headers['set-cookie'] as string[] | undefined) ??= []).push(localeSetCookie);
        return new Response(page.body, { status: page.status, headers: headers as unknown as HeadersInit });
      } catch (error) {
        requestLog(c).error({ err: error }, 'render worker failed; rendering on the main thread');
      }
    }
    // Rendered here: development, non-GET requests, or a render worker failed.
    // The context key must be the build's own instance (a separate bundle in production).
    const build = typeof options.build === 'function' ? await options.build() : options.build;
    const key = (build.entry.module as { appContext?: typeof appContext }).appContext ?? appContext;
    const context = new RouterContextProvider();
    let session: ReturnType<typeof getPageSession> | undefined;
    context.set(key, {
      getSession: () => (session ??= getPageSession(deps, c.req.raw.headers)),
      nonce,
      secureCookies: secure,
    });
    const response = await handleRequest(c.req.raw, context);
    for (const [name, value] of documentHeaders) response.headers.set(name, value);
    response.headers.set('content-security-policy', csp);
    if (localeSetCookie) response.headers.append('set-cookie', localeSetCookie);
    return response;
  };
}
