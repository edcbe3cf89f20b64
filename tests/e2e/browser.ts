/**
 * Browser helpers for the journeys: Debian's Chromium driven by
 * playwright-core, one fresh profile (user data dir, HOME) per session so
 * cookies and storage never leak between tests, loopback-only networking, and
 * recorders for requests and page errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Cookie, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { findChromium } from './chromium.mjs';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // No network except loopback: every other host name fails to resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
];

export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];
/** Every public page, as the path after /{lang}. */
export const PUBLIC_PAGES = [
  '',
  '/faq',
  '/pricing',
  '/contact',
  '/privacy',
  '/terms',
  '/cookies',
  '/sign-in',
  '/sign-up',
] as const;

export function baseUrl(): string {
  return inject('baseUrl');
}

export function url(pathname: string): string {
  return new URL(pathname, baseUrl()).href;
}

export interface RecordedRequest {
  url: string;
  method: string;
  resourceType: string;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Every request any page of this session made, in order. */
  requests: RecordedRequest[];
  /** Uncaught exceptions and console errors in the pages (except failed resource loads). */
  pageErrors: string[];
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

export interface SessionOptions {
  viewport?: { width: number; height: number };
  /** Browser UI language: navigator.language and the Accept-Language header. */
  locale?: string;
  colorScheme?: 'light' | 'dark';
}

/** A fresh Chromium with its own profile and HOME, and one page. */
export async function newSession(options: SessionOptions = {}): Promise<BrowserSession> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium not found: install Debian `chromium` or set CHROMIUM_PATH');
  const profileDir = mkdtempSync(path.join(tmpdir(), 'imagegen-e2e-profile-'));
  const homeDir = mkdtempSync(path.join(tmpdir(), 'imagegen-e2e-home-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: homeDir, XDG_CONFIG_HOME: homeDir, XDG_CACHE_HOME: homeDir },
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: options.locale ?? 'en-US',
    colorScheme: options.colorScheme ?? 'light',
    timeout: 30_000,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(20_000);

  const requests: RecordedRequest[] = [];
  const pageErrors: string[] = [];
  context.on('request', (request) => {
    requests.push({ url: request.url(), method: request.method(), resourceType: request.resourceType() });
  });
  const watch = (page: Page) => {
    page.on('pageerror', (error) => pageErrors.push(`pageerror on ${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // A 404 page or a refused sign-in logs the HTTP status of the response; that is expected.
      if (/^Failed to load resource: the server responded with a status of \d+/.test(message.text())) return;
      pageErrors.push(`console.error on ${page.url()}: ${message.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());

  let closed = false;
  return {
    context,
    page,
    requests,
    pageErrors,
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      rmSync(profileDir, { recursive: true, force: true });
      rmSync(homeDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a journey in a fresh session and always closes it; afterwards fails
 * if a page threw or logged an error (hydration mismatches, CSP refusals...).
 */
export async function withSession(
  run: (session: BrowserSession) => Promise<void>,
  options: SessionOptions = {},
): Promise<BrowserSession> {
  const session = await newSession(options);
  try {
    await run(session);
  } finally {
    await session.close();
  }
  if (session.pageErrors.length > 0) {
    throw new Error(`the pages reported errors:\n${session.pageErrors.join('\n')}`);
  }
  return session;
}

/** Navigates, then waits until React has hydrated the page. */
export async function open(page: Page, pathname: string) {
  const response = await page.goto(url(pathname), { waitUntil: 'load' });
  if (!response) throw new Error(`no response for ${pathname}`);
  await waitForHydration(page);
  return response;
}

/**
 * Hydration attaches React's props to each DOM node it claims
 * (`__reactProps$<random>`); the header's theme toggle is on every page. Two
 * animation frames later the commit and its effects have run.
 */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid=theme-toggle]');
      return el !== null && Object.keys(el).some((key) => key.startsWith('__reactProps$'));
    },
    undefined,
    { timeout: 15_000 },
  );
  await page.evaluate(
    () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  );
  await page.waitForLoadState('networkidle');
}

export async function cookies(context: BrowserContext): Promise<Cookie[]> {
  return context.cookies(baseUrl());
}

export async function cookieNames(context: BrowserContext): Promise<string[]> {
  return (await cookies(context)).map((c) => c.name).sort();
}

export async function findCookie(context: BrowserContext, name: string): Promise<Cookie | undefined> {
  return (await cookies(context)).find((c) => c.name === name);
}

export async function localStorageKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(window.localStorage).sort());
}

export async function sessionStorageKeys(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.keys(window.sessionStorage).sort());
}

/** The theme as <html> shows it: data-theme and the light/dark class. */
export async function htmlTheme(page: Page): Promise<{ dataTheme: string | undefined; classes: string[] }> {
  return page.evaluate(() => ({
    dataTheme: document.documentElement.dataset.theme,
    classes: [...document.documentElement.classList].filter((c) => c === 'light' || c === 'dark').sort(),
  }));
}

/** Parses the consent cookie `<version>.<id>.<cats>.<unixSeconds>`. */
export function parseConsentCookie(value: string) {
  const [version, id, cats, at] = value.split('.');
  return { version: Number(version), id, cats, at: Number(at) };
}

/** Translates like the app does (the same message files). */
export { translate as t } from '../../src/i18n/server';

/** Waits for the POST /api/consent that `act` triggers; returns its JSON request body. */
export async function expectConsentPost(page: Page, act: () => Promise<void>): Promise<unknown> {
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => new URL(r.url()).pathname === '/api/consent' && r.request().method() === 'POST',
    ),
    act(),
  ]);
  if (response.status() !== 200) throw new Error(`POST /api/consent answered ${response.status()}`);
  return response.request().postDataJSON() as unknown;
}

export function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
