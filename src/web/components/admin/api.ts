/** The admin API calls of the admin pages, typed, in the page's language (routes: src/server/admin/routes.ts). */
import { apiFetch } from '../../lib/api';
import type { CursorPage } from '../generation/types';
import type {
  AdminMember,
  AdminModel,
  AdminProvider,
  AuditItem,
  ConnectionResult,
  CreditAdjustmentBody,
  CreditAdjustmentResult,
  ModelChange,
  NewModel,
  NewProvider,
  ProviderChange,
} from './types';

const providerPath = (id: string) => `/api/admin/providers/${encodeURIComponent(id)}`;
const modelPath = (id: string) => `/api/admin/models/${encodeURIComponent(id)}`;

export async function listProviders(locale: string): Promise<AdminProvider[]> {
  return (await apiFetch<{ providers: AdminProvider[] }>('/api/admin/providers', { locale })).providers;
}

export async function addProvider(body: NewProvider, locale: string): Promise<AdminProvider> {
  return (await apiFetch<{ provider: AdminProvider }>('/api/admin/providers', { body, locale })).provider;
}

export async function updateProvider(
  id: string,
  change: ProviderChange,
  locale: string,
): Promise<AdminProvider> {
  return (
    await apiFetch<{ provider: AdminProvider }>(providerPath(id), { method: 'PATCH', body: change, locale })
  ).provider;
}

export function testProvider(id: string, locale: string): Promise<ConnectionResult> {
  return apiFetch(`${providerPath(id)}/test`, { method: 'POST', locale });
}

export async function listAdminModels(locale: string): Promise<AdminModel[]> {
  return (await apiFetch<{ models: AdminModel[] }>('/api/admin/models', { locale })).models;
}

export async function addModel(body: NewModel, locale: string): Promise<AdminModel> {
  return (await apiFetch<{ model: AdminModel }>('/api/admin/models', { body, locale })).model;
}

export async function updateModel(id: string, change: ModelChange, locale: string): Promise<AdminModel> {
  return (await apiFetch<{ model: AdminModel }>(modelPath(id), { method: 'PATCH', body: change, locale }))
    .model;
}

/** Audit entries per page: a screenful or two; the API allows up to 100. */
export const AUDIT_PAGE_SIZE = 30;

export function listAudit(cursor: string | null, locale: string): Promise<CursorPage<AuditItem>> {
  const params = new URLSearchParams({ limit: String(AUDIT_PAGE_SIZE) });
  if (cursor) params.set('cursor', cursor);
  return apiFetch(`/api/admin/audit?${params.toString()}`, { locale });
}

/** Members per page of the members list. */
export const MEMBER_PAGE_SIZE = 30;

export function listMembers(
  query: string,
  cursor: string | null,
  locale: string,
): Promise<CursorPage<AdminMember>> {
  const params = new URLSearchParams({ limit: String(MEMBER_PAGE_SIZE) });
  if (query) params.set('query', query);
  if (cursor) params.set('cursor', cursor);
  return apiFetch(`/api/admin/users?${params.toString()}`, { locale });
}

/** Grants (amount > 0) or revokes (amount < 0) a member's credits; the body's key makes a retry safe. */
export async function adjustCredits(
  userId: string,
  body: CreditAdjustmentBody,
  locale: string,
): Promise<CreditAdjustmentResult> {
  return (
    await apiFetch<{ adjustment: CreditAdjustmentResult }>(
      `/api/admin/users/${encodeURIComponent(userId)}/credits`,
      { body, locale },
    )
  ).adjustment;
}
