/**
 * Which providers can serve prompt help (decision 017) and each one's
 * default model (providers.md §1.2; PROMPT_LLM_MODEL overrides). Kept free
 * of SDK imports so config.ts can read it.
 */

export const textProviderIds = ['deepseek', 'openai', 'openrouter'] as const;
export type TextProviderId = (typeof textProviderIds)[number];

/**
 * - deepseek-flash: DeepSeek's current id (V4.1 Flash); deepseek-chat and
 *   deepseek-reasoner were retired on 2026-07-24 (providers.md §1.1).
 * - gpt-5.4-mini: a small chat model in @ai-sdk/openai 4.0.118's catalog.
 * - openai/gpt-5.4-mini: the same model through OpenRouter (slug unconfirmed:
 *   check OpenRouter's model list and set PROMPT_LLM_MODEL if it differs).
 */
export const defaultTextModels: Record<TextProviderId, string> = {
  deepseek: 'deepseek-flash',
  openai: 'gpt-5.4-mini',
  openrouter: 'openai/gpt-5.4-mini',
};

export function isTextProviderId(value: string): value is TextProviderId {
  return (textProviderIds as readonly string[]).includes(value);
}
