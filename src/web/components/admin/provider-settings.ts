/**
 * The provider card's rules, pure: which environment variable configures a
 * provider, and the PATCH body of its key and base URL form (only what the
 * admin changed; an emptied base URL removes the override).
 */
import type { AdminProvider, ProviderChange } from './types';

/** `PROVIDER_<ID>_API_KEY` / `_BASE_URL`: the variables the platform reads for a provider (decision 016). */
export function providerEnvVar(providerId: string, suffix: 'API_KEY' | 'BASE_URL'): string {
  return `PROVIDER_${providerId.toUpperCase()}_${suffix}`;
}

export function settingsChange(
  provider: Pick<AdminProvider, 'baseUrl'>,
  keyDraft: string,
  baseUrlDraft: string,
): ProviderChange {
  const change: ProviderChange = {};
  const key = keyDraft.trim();
  if (key !== '') change.apiKey = key;
  const baseUrl = baseUrlDraft.trim();
  if (baseUrl !== (provider.baseUrl ?? '')) change.baseUrl = baseUrl === '' ? null : baseUrl;
  return change;
}
