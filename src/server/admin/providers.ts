/**
 * The admin's view and changes of providers (issue 4, part 9): list with
 * where each key comes from (never the key: a stored key shows its hint),
 * enter, rotate or remove a key, set a base URL, switch a provider on or off,
 * add another OpenAI-compatible endpoint, and test a connection. Every change
 * writes its audit entry in the same transaction.
 */
import { count, eq } from 'drizzle-orm';
import type { MessageKey } from '../../i18n';
import type { Db } from '../db/client';
import { modelRoutes, providers, type ProviderRow } from '../db/schema';
import { AppError } from '../errors';
import { adapterSpec } from '../providers/adapters';
import { readStoredKey, removeKey, storeKey } from '../providers/credentials';
import type { ProviderRegistry } from '../providers/registry';
import type { SecretBox } from '../security/secret-box';
import { recordAudit, type AuditActor } from './audit';

export interface AdminProviderView {
  id: string;
  adapter: string;
  nameEn: string;
  nameZh: string;
  enabled: boolean;
  sortOrder: number;
  baseUrl: string | null;
  /** The adapter's default, shown as the placeholder. */
  defaultBaseUrl: string | null;
  /** From the environment (PROVIDER_<ID>_BASE_URL), used when no baseUrl is set. */
  envBaseUrl: string | null;
  needsKey: boolean;
  needsBaseUrl: boolean;
  key: { source: 'stored' | 'environment' | 'none'; hint: string | null; updatedAt: string | null };
  /** Routes of models that go through this provider. */
  routeCount: number;
}

export interface ProviderAdminDeps {
  db: Db;
  keyBox: SecretBox;
  registry: ProviderRegistry;
  env: Readonly<Record<string, { apiKey?: string; baseUrl?: string }>>;
  now: () => Date;
}

export async function listAdminProviders(deps: ProviderAdminDeps): Promise<AdminProviderView[]> {
  const rows = await deps.db.select().from(providers).orderBy(providers.sortOrder, providers.id);
  const routeCounts = new Map(
    (
      await deps.db
        .select({ providerId: modelRoutes.providerId, n: count() })
        .from(modelRoutes)
        .groupBy(modelRoutes.providerId)
    ).map((row) => [row.providerId, row.n]),
  );
  return Promise.all(rows.map(async (row) => toView(deps, row, routeCounts.get(row.id) ?? 0)));
}

async function toView(
  deps: ProviderAdminDeps,
  row: ProviderRow,
  routeCount: number,
): Promise<AdminProviderView> {
  const spec = adapterSpec(row.adapter);
  const stored = await readStoredKey(deps.db, row.id);
  const env = deps.env[row.id];
  const settings = row.settings;
  return {
    id: row.id,
    adapter: row.adapter,
    nameEn: row.nameEn,
    nameZh: row.nameZh,
    enabled: row.enabled,
    sortOrder: row.sortOrder,
    baseUrl: settings.baseUrl ?? null,
    defaultBaseUrl: spec?.defaultBaseUrl ?? null,
    envBaseUrl: env?.baseUrl ?? null,
    needsKey: row.id !== 'local' && (spec?.needsKey ?? false),
    needsBaseUrl: spec?.needsBaseUrl ?? false,
    key: stored
      ? { source: 'stored', hint: stored.keyHint, updatedAt: stored.updatedAt.toISOString() }
      : { source: env?.apiKey ? 'environment' : 'none', hint: null, updatedAt: null },
    routeCount,
  };
}

export interface ProviderChange {
  enabled?: boolean | undefined;
  /** null removes the override. */
  baseUrl?: string | null | undefined;
  /** A new key (replaces the stored one). */
  apiKey?: string | undefined;
  /** Removes the stored key (the environment's, if any, applies again). */
  removeKey?: boolean | undefined;
  nameEn?: string | undefined;
  nameZh?: string | undefined;
}

export async function updateProvider(
  deps: ProviderAdminDeps,
  actor: AuditActor,
  providerId: string,
  change: ProviderChange,
): Promise<AdminProviderView> {
  const at = deps.now();
  await deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(providers).where(eq(providers.id, providerId)).for('update');
    if (!row) throw new AppError('not_found');
    const spec = adapterSpec(row.adapter);
    if (row.id === 'local' && (change.apiKey !== undefined || change.baseUrl !== undefined)) {
      throw fieldError(change.apiKey !== undefined ? 'apiKey' : 'baseUrl', 'validation.notSupportedByModel');
    }
    const settings = { ...row.settings };
    const before = {
      enabled: row.enabled,
      baseUrl: settings.baseUrl ?? null,
      nameEn: row.nameEn,
      nameZh: row.nameZh,
    };
    if (change.baseUrl !== undefined) {
      if (change.baseUrl === null) delete settings.baseUrl;
      else settings.baseUrl = change.baseUrl;
    }
    if (change.apiKey !== undefined) {
      const hint = await storeKey(tx, deps.keyBox, {
        providerId,
        apiKey: change.apiKey,
        updatedBy: actor.id,
        at,
      });
      await recordAudit(
        tx,
        actor,
        { action: 'provider.key_set', targetType: 'provider', targetId: providerId, details: { hint } },
        at,
      );
    } else if (change.removeKey) {
      if (await removeKey(tx, providerId)) {
        await recordAudit(
          tx,
          actor,
          { action: 'provider.key_removed', targetType: 'provider', targetId: providerId },
          at,
        );
      }
    }
    const enabled = change.enabled ?? row.enabled;
    if (enabled && row.id !== 'local' && spec) {
      const hasKey =
        (await readStoredKey(tx, providerId)) !== undefined || Boolean(deps.env[providerId]?.apiKey);
      if (spec.needsKey && !hasKey) throw fieldError('enabled', 'validation.providerNeedsKey');
      if (spec.needsBaseUrl && !settings.baseUrl && !deps.env[providerId]?.baseUrl) {
        throw fieldError('enabled', 'validation.providerNeedsBaseUrl');
      }
    }
    const after = {
      enabled,
      baseUrl: settings.baseUrl ?? null,
      nameEn: change.nameEn ?? row.nameEn,
      nameZh: change.nameZh ?? row.nameZh,
    };
    const changed = Object.fromEntries(
      (Object.keys(after) as (keyof typeof after)[])
        .filter((key) => after[key] !== before[key])
        .map((key) => [key, { from: before[key], to: after[key] }]),
    );
    if (Object.keys(changed).length === 0) return;
    await tx
      .update(providers)
      .set({ enabled, settings, nameEn: after.nameEn, nameZh: after.nameZh, updatedAt: at })
      .where(eq(providers.id, providerId));
    await recordAudit(
      tx,
      actor,
      { action: 'provider.update', targetType: 'provider', targetId: providerId, details: changed },
      at,
    );
  });
  return requireView(deps, providerId);
}

export interface NewCompatibleProvider {
  id: string;
  nameEn: string;
  nameZh: string;
  baseUrl: string;
  apiKey?: string | undefined;
}

/** Adds another OpenAI-compatible endpoint as a provider of its own, switched on. */
export async function addCompatibleProvider(
  deps: ProviderAdminDeps,
  actor: AuditActor,
  input: NewCompatibleProvider,
): Promise<AdminProviderView> {
  const at = deps.now();
  await deps.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(providers)
      .values({
        id: input.id,
        adapter: 'openai_compatible',
        nameEn: input.nameEn,
        nameZh: input.nameZh,
        enabled: true,
        sortOrder: 90,
        settings: { baseUrl: input.baseUrl },
        createdAt: at,
        updatedAt: at,
      })
      .onConflictDoNothing()
      .returning({ id: providers.id });
    if (inserted.length === 0) throw fieldError('id', 'validation.idTaken');
    const hint = input.apiKey
      ? await storeKey(tx, deps.keyBox, {
          providerId: input.id,
          apiKey: input.apiKey,
          updatedBy: actor.id,
          at,
        })
      : null;
    await recordAudit(
      tx,
      actor,
      {
        action: 'provider.create',
        targetType: 'provider',
        targetId: input.id,
        details: {
          adapter: 'openai_compatible',
          baseUrl: input.baseUrl,
          nameEn: input.nameEn,
          keyHint: hint,
        },
      },
      at,
    );
  });
  return requireView(deps, input.id);
}

async function requireView(deps: ProviderAdminDeps, providerId: string): Promise<AdminProviderView> {
  const view = (await listAdminProviders(deps)).find((p) => p.id === providerId);
  if (!view) throw new AppError('not_found');
  return view;
}

export function fieldError(field: string, message: MessageKey): AppError {
  return new AppError('validation_failed', { fields: [{ field, message }] });
}

export type ConnectionCode =
  | 'ok'
  | 'auth'
  | 'rate_limited'
  | 'not_found'
  | 'provider_error'
  | 'unreachable'
  | 'timeout'
  | 'not_configured';

export interface ConnectionResult {
  ok: boolean;
  code: ConnectionCode;
  /** The provider's HTTP status, when it answered. */
  status?: number;
  latencyMs: number;
  /** The URL that was asked (the base URL and the probe's path; never the key). */
  url?: string;
}

const PROBE_TIMEOUT_MS = 10_000;

/**
 * Proves a provider's key and base URL with one cheap authenticated GET
 * (the adapter's probe: a model list or an account endpoint), generating
 * nothing. A rejected key is `auth`; no answer is `unreachable` or `timeout`.
 */
export async function testConnection(
  deps: ProviderAdminDeps,
  providerId: string,
  fetchImpl: typeof fetch = fetch,
): Promise<ConnectionResult> {
  const [row] = await deps.db.select().from(providers).where(eq(providers.id, providerId));
  if (!row) throw new AppError('not_found');
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (row.id === 'local') return { ok: true, code: 'ok', latencyMs: 0 };
  const spec = adapterSpec(row.adapter);
  let settings;
  try {
    settings = await deps.registry.settingsOf({
      id: row.id,
      adapter: row.adapter,
      settings: row.settings,
    });
  } catch {
    return { ok: false, code: 'auth', latencyMs: elapsed() }; // a stored key that no longer opens
  }
  const base = settings.baseUrl ?? spec?.defaultBaseUrl;
  if (!spec || !base || (spec.needsKey && !settings.apiKey)) {
    return { ok: false, code: 'not_configured', latencyMs: 0 };
  }
  const url = `${base.replace(/\/+$/, '')}${spec.probe.path}`;
  try {
    const response = await fetchImpl(url, {
      headers: { accept: 'application/json', ...spec.probe.headers(settings.apiKey) },
      redirect: 'manual',
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await response.body?.cancel();
    const { status } = response;
    const code: ConnectionCode =
      (status >= 200 && status < 300) || spec.probe.acceptStatuses?.includes(status)
        ? 'ok'
        : status === 400 || status === 401 || status === 403
          ? 'auth'
          : status === 404
            ? 'not_found'
            : status === 429
              ? 'rate_limited'
              : 'provider_error';
    return { ok: code === 'ok', code, status, latencyMs: elapsed(), url };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return { ok: false, code: timedOut ? 'timeout' : 'unreachable', latencyMs: elapsed(), url };
  }
}
