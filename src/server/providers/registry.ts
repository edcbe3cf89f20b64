/**
 * The providers this process can call, looked up by the id a catalog route
 * names. Built once at boot from configuration (house style 6). The offline
 * provider is always there unless switched off, so the embedded default
 * works with no keys; adapters for hosted providers join it later.
 */
import { ProviderError } from './errors';
import { createLocalProvider, type LocalProvider } from './local/local-provider';
import type { LocalProviderOptions } from './local/options';
import type { ImageProvider } from './types';

export interface ProviderRegistryOptions {
  /** The offline provider's options; `false` leaves it out. */
  local?: Partial<LocalProviderOptions> | false;
  /** Further adapters (and test doubles), each with its own id. */
  providers?: readonly ImageProvider[];
}

export interface ProviderRegistry {
  get(id: string): ImageProvider | undefined;
  /** Throws ProviderError `model_unavailable` for an id nobody configured, so the job falls back. */
  getOrThrow(id: string): ImageProvider;
  ids(): string[];
  /** The offline provider, when it is configured (tests release its held calls through it). */
  readonly local: LocalProvider | undefined;
}

export function createProviderRegistry(options: ProviderRegistryOptions = {}): ProviderRegistry {
  const local = options.local === false ? undefined : createLocalProvider(options.local ?? {});
  const byId = new Map<string, ImageProvider>();
  for (const provider of [...(local ? [local] : []), ...(options.providers ?? [])]) {
    if (byId.has(provider.id)) throw new Error(`two providers share the id "${provider.id}"`);
    byId.set(provider.id, provider);
  }
  return {
    local,
    get: (id) => byId.get(id),
    getOrThrow(id) {
      const provider = byId.get(id);
      if (!provider) {
        throw new ProviderError('model_unavailable', {
          providerId: id,
          detail: `provider "${id}" is not configured`,
        });
      }
      return provider;
    },
    ids: () => [...byId.keys()],
  };
}
