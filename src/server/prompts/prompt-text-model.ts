/**
 * Which text model prompt help calls (decision 017): the provider named by
 * PROMPT_LLM_PROVIDER, with its key and base URL from the same place as an
 * image provider's (an admin's sealed key, else `PROVIDER_<ID>_*`, through
 * registry.settingsOf), and PROMPT_LLM_MODEL. Looked up on every call, like
 * image routes, so a key entered or a provider switched off in the admin
 * pages applies at once on every instance; the built model is kept until
 * its settings change.
 */
import { eq } from 'drizzle-orm';
import type { Config } from '../config';
import type { Db } from '../db/client';
import { providers } from '../db/schema';
import { createTextModel } from '../llm/text-models';
import { isTextProviderId } from '../llm/text-providers';
import type { TextModel, TextModelSettings } from '../llm/types';
import type { ProviderRegistry } from '../providers/registry';

export interface PromptTextModelOptions {
  db: Db;
  registry: ProviderRegistry;
  settings: Config['promptLlm'];
  /** PUBLIC_URL, for providers that attribute usage to an app. */
  appUrl?: string;
  /** Replaces the adapters; for tests. */
  build?: (adapter: string, settings: TextModelSettings) => TextModel | undefined;
}

export interface PromptTextModels {
  /**
   * The text model, or undefined when prompt help is not set up: the
   * provider is missing, switched off, has no text adapter or no key.
   * Throws ProviderError `auth` when its stored key no longer opens
   * (APP_SECRET changed, decision 016).
   */
  current(): Promise<TextModel | undefined>;
}

export function createPromptTextModels(options: PromptTextModelOptions): PromptTextModels {
  const build = options.build ?? createTextModel;
  let cached: { fingerprint: string; model: TextModel } | undefined;
  return {
    async current() {
      const providerId = options.settings.provider;
      const [row] = await options.db
        .select({
          id: providers.id,
          adapter: providers.adapter,
          enabled: providers.enabled,
          settings: providers.settings,
        })
        .from(providers)
        .where(eq(providers.id, providerId));
      if (!row || !row.enabled || !isTextProviderId(row.adapter)) return undefined;
      const resolved = await options.registry.settingsOf(row);
      if (!resolved.apiKey) return undefined;
      const fingerprint = `${resolved.fingerprint}|${options.settings.model}`;
      if (cached?.fingerprint === fingerprint) return cached.model;
      const model = build(row.adapter, {
        providerId: row.id,
        model: options.settings.model,
        apiKey: resolved.apiKey,
        ...(resolved.baseUrl ? { baseUrl: resolved.baseUrl } : {}),
        ...(options.appUrl ? { appUrl: options.appUrl } : {}),
      });
      if (!model) return undefined;
      cached = { fingerprint, model };
      return model;
    },
  };
}
