import { describe, expect, it } from 'vitest';
import { ProviderError } from './errors';
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
    expect(registry.getOrThrow('local')).toBe(registry.local);
    expect(registry.get('local')?.id).toBe('local');
  });

  it('answers an unknown id with model_unavailable, so the job falls back', () => {
    const registry = createProviderRegistry();
    expect(registry.get('openai')).toBeUndefined();
    let error: unknown;
    try {
      registry.getOrThrow('openai');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'model_unavailable', providerId: 'openai' });
    expect((error as ProviderError).canFallBack).toBe(true);
  });

  it('passes the offline provider its options', async () => {
    const registry = createProviderRegistry({ local: { faults: { provider_error: 1 } } });
    const call = registry
      .getOrThrow('local')
      .generate(
        { model: 'preview', prompt: 'x', n: 1, referenceId: 'r' },
        { signal: new AbortController().signal, attempt: 1 },
      );
    await expect(call).rejects.toMatchObject({ code: 'provider_error' });
  });

  it('can leave the offline provider out and hold other adapters', () => {
    const openai = fake('openai');
    const registry = createProviderRegistry({ local: false, providers: [openai] });
    expect(registry.ids()).toEqual(['openai']);
    expect(registry.local).toBeUndefined();
    expect(registry.getOrThrow('openai')).toBe(openai);
    expect(() => createProviderRegistry({ providers: [fake('local')] })).toThrow(/share the id "local"/);
  });
});
