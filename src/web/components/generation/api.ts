/** The member API calls of the generation pages, typed, in the page's language. */
import { apiFetch } from '../../lib/api';
import type {
  CreatedGeneration,
  CreditEntry,
  CursorPage,
  Generation,
  GenerationRequest,
  GeneratorSettings,
  PublicModel,
} from './types';

function withQuery(path: string, query: Record<string, string | number | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== null && value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

const generationPath = (id: string) => `/api/generations/${encodeURIComponent(id)}`;

export async function listModels(locale: string): Promise<PublicModel[]> {
  return (await apiFetch<{ models: PublicModel[] }>('/api/models', { locale })).models;
}

export function createGeneration(
  body: GenerationRequest,
  options: { locale: string; idempotencyKey: string },
): Promise<CreatedGeneration> {
  return apiFetch('/api/generations', {
    body,
    locale: options.locale,
    headers: { 'idempotency-key': options.idempotencyKey },
  });
}

export function getGeneration(id: string, locale: string): Promise<Generation> {
  return apiFetch(generationPath(id), { locale });
}

/** Where the live status of a generation streams from (Server-Sent Events). */
export function generationEventsUrl(id: string): string {
  return `${generationPath(id)}/events`;
}

export function cancelGeneration(id: string, locale: string): Promise<Generation> {
  return apiFetch(`${generationPath(id)}/cancel`, { method: 'POST', locale });
}

export async function deleteGeneration(id: string, locale: string): Promise<void> {
  await apiFetch(generationPath(id), { method: 'DELETE', locale });
}

/** How many generations the history asks for per page. */
export const HISTORY_PAGE_SIZE = 20;

export function listGenerations(cursor: string | null, locale: string): Promise<CursorPage<Generation>> {
  return apiFetch(withQuery('/api/generations', { cursor, limit: HISTORY_PAGE_SIZE }), { locale });
}

export function listCreditHistory(cursor: string | null, locale: string): Promise<CursorPage<CreditEntry>> {
  return apiFetch(withQuery('/api/credits/history', { cursor }), { locale });
}

export async function getGeneratorSettings(locale: string): Promise<GeneratorSettings | null> {
  return (await apiFetch<{ settings: GeneratorSettings | null }>('/api/me/generator-settings', { locale }))
    .settings;
}

export async function saveGeneratorSettings(settings: GeneratorSettings, locale: string): Promise<void> {
  await apiFetch('/api/me/generator-settings', { method: 'PUT', body: settings, locale });
}

/**
 * A random Idempotency-Key (128 bits). getRandomValues rather than
 * randomUUID: the latter exists only on https and localhost, and a
 * self-hosted install may well be reached over plain http on a LAN.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
