/**
 * The providers this process can call. Two kinds:
 *
 * - fixed ones, built once at boot: the offline provider (unless switched
 *   off) and whatever a test injects, looked up by id;
 * - catalog ones, built on demand from the catalog row (its adapter and base
 *   URL), the key an admin stored (sealed, credentials.ts) or else the
 *   `PROVIDER_<ID>_API_KEY` variable. A built adapter is kept until any of
 *   those changes; the key row is read on every use, so a key entered or
 *   rotated in the admin pages is used by the next generation on every
 *   instance, without a restart (decision 016).
 */
import type { ProviderSettings } from '../catalog/capabilities';
import type { Db } from '../db/client';
import { SecretBoxError, type SecretBox } from '../security/secret-box';
import { adapterSpec } from './adapters';
import { openStoredKey, readStoredKey } from './credentials';
import type { ProviderEnvSettings } from './env';
import { ProviderError } from './errors';
import { createLocalProvider, type LocalProvider } from './local/local-provider';
import type { LocalProviderOptions } from './local/options';
import type { ImageProvider } from './types';

export interface ProviderRegistryOptions {
  /** The offline provider's options; `false` leaves it out. */
  local?: Partial<LocalProviderOptions> | false;
  /** Further fixed adapters (and test doubles), each with its own id; they win over catalog ones. */
  providers?: readonly ImageProvider[];
  /** Where stored keys are read; without it only fixed providers resolve. */
  catalog?: {
    db: Db;
    keyBox: SecretBox;
    /** `PROVIDER_<ID>_*` settings by provider id (config.providerEnv). */
    env?: Readonly<Record<string, ProviderEnvSettings>>;
    /** PUBLIC_URL, for providers that attribute usage to an app. */
    appUrl?: string;
  };
}

/** What the registry needs of a catalog provider row. */
export interface ProviderRef {
  id: string;
  adapter: string;
  settings: ProviderSettings;
}

export interface ResolvedSettings {
  adapter: string;
  apiKey: string | undefined;
  /** Where the key came from, for admins: never the key itself. */
  keySource: 'stored' | 'environment' | 'none';
  baseUrl: string | undefined;
  /** Changes whenever the adapter, the key or the base URL does. */
  fingerprint: string;
}

export interface ProviderRegistry {
  /** A fixed provider by id. */
  get(id: string): ImageProvider | undefined;
  /**
   * The adapter for a catalog provider: a fixed one with its id, else one
   * built from its settings. Throws ProviderError `auth` when it needs a key
   * that nobody entered (or one that no longer opens), `model_unavailable`
   * when its adapter is unknown or it lacks a base URL: both let the job
   * fall back to the model's next route.
   */
  resolve(provider: ProviderRef): Promise<ImageProvider>;
  /** The key and base URL a catalog provider would be built with (admin connection test). */
  settingsOf(provider: ProviderRef): Promise<ResolvedSettings>;
  ids(): string[];
  /** The offline provider, when it is configured (tests release its held calls through it). */
  readonly local: LocalProvider | undefined;
}

export function createProviderRegistry(options: ProviderRegistryOptions = {}): ProviderRegistry {
  const local = options.local === false ? undefined : createLocalProvider(options.local ?? {});
  const fixed = new Map<string, ImageProvider>();
  for (const provider of [...(local ? [local] : []), ...(options.providers ?? [])]) {
    if (fixed.has(provider.id)) throw new Error(`two providers share the id "${provider.id}"`);
    fixed.set(provider.id, provider);
  }
  const built = new Map<string, { fingerprint: string; adapter: ImageProvider }>();
  const catalog = options.catalog;

  async function settingsOf(provider: ProviderRef): Promise<ResolvedSettings> {
    const env = catalog?.env?.[provider.id];
    const stored = catalog ? await readStoredKey(catalog.db, provider.id) : undefined;
    let apiKey = env?.apiKey;
    let keySource: ResolvedSettings['keySource'] = apiKey ? 'environment' : 'none';
    if (stored && catalog) {
      try {
        apiKey = openStoredKey(catalog.keyBox, provider.id, stored);
        keySource = 'stored';
      } catch (error) {
        if (!(error instanceof SecretBoxError)) throw error;
        throw new ProviderError('auth', {
          providerId: provider.id,
          detail: `the stored key of "${provider.id}" does not open with this APP_SECRET; enter it again`,
          cause: error,
        });
      }
    }
    const baseUrl = provider.settings.baseUrl ?? env?.baseUrl;
    return {
      adapter: provider.adapter,
      apiKey,
      keySource,
      baseUrl,
      fingerprint: [
        provider.adapter,
        baseUrl ?? '',
        keySource,
        stored?.updatedAt.getTime() ?? env?.apiKey ?? '',
      ].join('|'),
    };
  }

  return {
    local,
    get: (id) => fixed.get(id),
    settingsOf,
    async resolve(provider) {
      const own = fixed.get(provider.id);
      if (own) return own;
      const spec = adapterSpec(provider.adapter);
      // A text adapter (prompt help) has no image adapter: a route through it falls back.
      const create = spec?.create;
      if (!spec || !create || !catalog) {
        throw new ProviderError('model_unavailable', {
          providerId: provider.id,
          detail: `provider "${provider.id}" has no image adapter "${provider.adapter}" in this process`,
        });
      }
      const settings = await settingsOf(provider);
      const cached = built.get(provider.id);
      if (cached?.fingerprint === settings.fingerprint) return cached.adapter;
      if (spec.needsKey && !settings.apiKey) {
        throw new ProviderError('auth', {
          providerId: provider.id,
          detail: `provider "${provider.id}" has no API key`,
        });
      }
      if (spec.needsBaseUrl && !settings.baseUrl) {
        throw new ProviderError('model_unavailable', {
          providerId: provider.id,
          detail: `provider "${provider.id}" has no base URL`,
        });
      }
      const adapter = create({
        ...(catalog.appUrl ? { appUrl: catalog.appUrl } : {}),
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      });
      built.set(provider.id, { fingerprint: settings.fingerprint, adapter });
      return adapter;
    },
    ids: () => [...fixed.keys()],
  };
}
