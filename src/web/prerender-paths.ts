/**
 * Pages that are the same for every visitor of a language, rendered at build
 * time for each language (read by react-router.config.ts, in Node).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

export const prerenderedPages = ['', '/faq', '/privacy', '/terms', '/cookies', '/contact'];

export function prerenderPaths(): string[] {
  const messagesDir = path.resolve(import.meta.dirname, '../i18n/messages');
  const locales = readdirSync(messagesDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5));
  return locales.flatMap((locale) => prerenderedPages.map((page) => `/${locale}${page}`));
}
