/** The generator page's calls for prompt help (decision 017), typed, in the page's language. */
import type { PromptAssistConfig, PromptAssistMode, PromptSuggestion } from '../../../shared/prompt-assist';
import { apiFetch } from '../../lib/api';

export function getPromptAssistConfig(locale: string): Promise<PromptAssistConfig> {
  return apiFetch('/api/prompts/config', { locale });
}

export function requestPromptSuggestion(
  body: { prompt: string; mode: PromptAssistMode },
  locale: string,
): Promise<PromptSuggestion> {
  return apiFetch('/api/prompts/enhance', { body, locale });
}
