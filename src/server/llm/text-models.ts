/** The text adapters by catalog adapter id (text-providers.ts lists them and their default models). */
import { createDeepSeekTextModel } from './deepseek-text-model';
import { createOpenAiTextModel } from './openai-text-model';
import { createOpenRouterTextModel } from './openrouter-text-model';
import { isTextProviderId, type TextProviderId } from './text-providers';
import type { TextModel, TextModelSettings } from './types';

const factories: Record<TextProviderId, (settings: TextModelSettings) => TextModel> = {
  deepseek: createDeepSeekTextModel,
  openai: createOpenAiTextModel,
  openrouter: createOpenRouterTextModel,
};

/** The text model for a catalog adapter id, or undefined when that adapter has no text model. */
export function createTextModel(adapter: string, settings: TextModelSettings): TextModel | undefined {
  return isTextProviderId(adapter) ? factories[adapter](settings) : undefined;
}
