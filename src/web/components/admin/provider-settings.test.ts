import { describe, expect, it } from 'vitest';
import { providerEnvVar, settingsChange } from './provider-settings';

describe('provider settings', () => {
  it('names the environment variables the platform reads', () => {
    expect(providerEnvVar('openai_compatible', 'API_KEY')).toBe('PROVIDER_OPENAI_COMPATIBLE_API_KEY');
    expect(providerEnvVar('house', 'BASE_URL')).toBe('PROVIDER_HOUSE_BASE_URL');
  });

  it('sends only what changed: a typed key, a new base URL, or null to remove the override', () => {
    const provider = { baseUrl: 'http://127.0.0.1:8000/v1' };
    expect(settingsChange(provider, '', 'http://127.0.0.1:8000/v1')).toEqual({});
    expect(settingsChange(provider, '  sk-new-key  ', 'http://127.0.0.1:8000/v1')).toEqual({
      apiKey: 'sk-new-key',
    });
    expect(settingsChange(provider, '', ' http://10.0.0.2/v1 ')).toEqual({ baseUrl: 'http://10.0.0.2/v1' });
    expect(settingsChange(provider, '', '  ')).toEqual({ baseUrl: null });
    expect(settingsChange({ baseUrl: null }, '', '')).toEqual({});
  });
});
