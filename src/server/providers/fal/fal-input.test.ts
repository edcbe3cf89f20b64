/**
 * The per-family input mapping: which fields each family gets, how sizes and
 * ratios become `image_size`, where reference images go, and the warnings
 * for what a family cannot take.
 */
import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../types';
import { buildFalInput, falFamily, sizeForRatio } from './fal-input';

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'fal-ai/flux/dev',
  prompt: 'a harbour at dawn',
  n: 1,
  referenceId: 'gen-1:0',
  ...overrides,
});
const image = { bytes: Uint8Array.from([0x89, 0x50, 0x4e, 0x47]), mediaType: 'image/png' };

describe('falFamily', () => {
  it.each([
    ['fal-ai/bytedance/seedream/v4/text-to-image', 'seedream'],
    ['fal-ai/bytedance/seedream/v4.5/edit', 'seedream'],
    ['fal-ai/flux/schnell', 'flux'],
    ['fal-ai/flux-pro/v1.1', 'flux'],
    ['fal-ai/flux-2/dev', 'flux'],
    ['fal-ai/recraft/v3', 'generic'],
    ['fal-ai/fluxgym', 'generic'],
  ])('%s → %s', (model, family) => {
    expect(falFamily(model)).toBe(family);
  });
});

describe('buildFalInput', () => {
  it('sends pixels as {width, height} and keeps a differing ratio out, with a warning', () => {
    const { input, warnings } = buildFalInput(
      request({ size: { width: 1280, height: 720 }, aspectRatio: '1:1', seed: 0 }),
    );
    expect(input).toEqual({
      prompt: 'a harbour at dawn',
      num_images: 1,
      image_size: { width: 1280, height: 720 },
      seed: 0,
      output_format: 'png',
    });
    expect(warnings).toEqual([expect.stringContaining('differs from size')]);
  });

  it('uses presets for listed ratios and explicit sizes for others on FLUX', () => {
    expect(buildFalInput(request({ aspectRatio: '3:4' })).input.image_size).toBe('portrait_4_3');
    expect(buildFalInput(request({ aspectRatio: '21:9' })).input.image_size).toEqual({
      width: 1568,
      height: 672,
    });
    const bad = buildFalInput(request({ aspectRatio: 'wide' }));
    expect(bad.input).not.toHaveProperty('image_size');
    expect(bad.warnings).toEqual([expect.stringContaining('not a W:H ratio')]);
  });

  it('keeps Seedream sizes inside 4096 px a side', () => {
    const size = sizeForRatio({ width: 1, height: 8 }, 2048 * 2048, 4096);
    expect(size.height).toBe(4096);
    expect(size.width).toBe(512);
  });

  it('gives generic models a negative_prompt and no output_format', () => {
    const { input, warnings } = buildFalInput(
      request({ model: 'fal-ai/recraft/v3', negativePrompt: 'blur' }),
    );
    expect(input).toMatchObject({ negative_prompt: 'blur' });
    expect(input).not.toHaveProperty('output_format');
    expect(warnings).toEqual([]);
  });

  it('routes references by endpoint: image_urls for edit and multi, image_url for Kontext', () => {
    const edit = buildFalInput(
      request({ model: 'fal-ai/bytedance/seedream/v4/edit', referenceImages: [image, image] }),
    );
    expect(edit.input.image_urls).toEqual([
      'data:image/png;base64,iVBORw==',
      'data:image/png;base64,iVBORw==',
    ]);
    const kontext = buildFalInput(request({ model: 'fal-ai/flux-pro/kontext', referenceImages: [image] }));
    expect(kontext.input.image_url).toBe('data:image/png;base64,iVBORw==');
    expect(kontext.warnings).toEqual([]);
  });

  it('lets the route’s providerOptions override any mapped field', () => {
    const { input } = buildFalInput(
      request({ providerOptions: { output_format: 'jpeg', num_inference_steps: 4 } }),
    );
    expect(input).toMatchObject({ output_format: 'jpeg', num_inference_steps: 4 });
  });
});
