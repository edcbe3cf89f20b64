/** The prompt-help settings of config.ts: defaults, per-provider default models, and refusals. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';

const base = { APP_SECRET: 'x'.repeat(40), DATA_DIR: '/nonexistent-not-used' };

describe('prompt help configuration', () => {
  it('defaults to DeepSeek Flash, free, 30 s and 60 calls an hour', () => {
    expect(loadConfig(base).promptLlm).toEqual({
      provider: 'deepseek',
      model: 'deepseek-flash',
      credits: 0,
      timeoutMs: 30_000,
      perHour: 60,
    });
  });

  it("takes each provider's default model unless PROMPT_LLM_MODEL names one; empty counts as unset", () => {
    expect(loadConfig({ ...base, PROMPT_LLM_PROVIDER: 'openai' }).promptLlm.model).toBe('gpt-5.4-mini');
    expect(
      loadConfig({ ...base, PROMPT_LLM_PROVIDER: 'openrouter', PROMPT_LLM_MODEL: '' }).promptLlm.model,
    ).toBe('openai/gpt-5.4-mini');
    expect(
      loadConfig({
        ...base,
        PROMPT_LLM_PROVIDER: 'openrouter',
        PROMPT_LLM_MODEL: 'deepseek/deepseek-flash',
        PROMPT_ENHANCE_CREDITS: '1',
        PROMPT_LLM_TIMEOUT_SECONDS: '10',
        RATE_LIMIT_PROMPT_ENHANCE_PER_HOUR: '5',
      }).promptLlm,
    ).toEqual({
      provider: 'openrouter',
      model: 'deepseek/deepseek-flash',
      credits: 1,
      timeoutMs: 10_000,
      perHour: 5,
    });
  });

  it('refuses an unknown provider or a negative price, naming the variable', () => {
    expect(() => loadConfig({ ...base, PROMPT_LLM_PROVIDER: 'gemini' })).toThrow(/PROMPT_LLM_PROVIDER/);
    expect(() => loadConfig({ ...base, PROMPT_ENHANCE_CREDITS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, PROMPT_ENHANCE_CREDITS: '-1' })).toThrow(/PROMPT_ENHANCE_CREDITS/);
  });
});
