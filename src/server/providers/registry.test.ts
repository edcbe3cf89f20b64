import { describe, expect, it } from 'vitest';
import { providerFailure } from '../../../tests/support/provider-contract';
import { createProviderRegistry } from './registry';
import type { ImageProvider } from './types';

const fake = (id: string): ImageProvider => ({
  id,
  generate: async () => ({ images: [] }),
});

describe('createProviderRegistry', () => {
  it('has the offline provider by default', () => {
    const registry = createProviderRegistry();
    expect(registry.ids()).toEqual(['local']);
    expect(registry.get('local')).toBe(registry.local);
    expect(registry.get('local')?.id).toBe('local');
  });

  it('answers an unknown provider with model_unavailable, so the job falls back', async () => {
    const registry = createProviderRegistry();
    expect(registry.get('openai')).toBeUndefined();
    const error = await providerFailure(registry.resolve({ id: 'openai', adapter: 'openai', settings: {} }));
    expect(error).toMatchObject({ code: 'model_unavailable', providerId: 'openai' });
    expect(error.canFallBack).toBe(true);
  });

  it('passes the offline provider its options', async () => {
    const registry = createProviderRegistry({ local: { faults: { provider_error: 1 } } });
    const call = registry
      .get('local')!
      .generate(
        { model: 'preview', prompt: 'x', n: 1, referenceId: 'r' },
        { signal: new AbortController().signal, attempt: 1 },
      );
    await expect(call).rejects.toMatchObject({ code: 'provider_error' });
  });

  it('can leave the offline provider out and hold other adapters', async () => {
    const openai = fake('openai');
    const registry = createProviderRegistry({ local: false, providers: [openai] });
    expect(registry.ids()).toEqual(['openai']);
    expect(registry.local).toBeUndefined();
    expect(await registry.resolve({ id: 'openai', adapter: 'openai', settings: {} })).toBe(openai);
    expect(() => createProviderRegistry({ providers: [fake('local')] })).toThrow(/share the id "local"/);
  });
});
