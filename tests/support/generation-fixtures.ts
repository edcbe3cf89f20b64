/** Models and generations shaped like the API's answers, for the generation pages' unit tests. */
import type { Generation, PublicModel } from '../../src/web/components/generation/types';

/** Like the offline preview model: sizes in two price tiers, seed and negative prompt. */
export const localModel: PublicModel = {
  id: 'local-preview',
  name: 'Local preview',
  description: 'Draws a preview picture on this server.',
  provider: { id: 'local', name: 'Local preview (offline)' },
  capabilities: {
    textToImage: true,
    imageToImage: false,
    maxReferenceImages: 0,
    maxImages: 4,
    seed: true,
    negativePrompt: true,
    maxPromptLength: 4000,
    sizes: [
      { size: '512x512', width: 512, height: 512, creditsPerImage: 1 },
      { size: '1024x1024', width: 1024, height: 1024, creditsPerImage: 2 },
      { size: '1344x768', width: 1344, height: 768, creditsPerImage: 2 },
    ],
  },
};

/** Like FLUX: aspect ratios and one resolution, seed, no negative prompt. */
export const ratioModel: PublicModel = {
  id: 'flux',
  name: 'FLUX',
  description: null,
  provider: { id: 'fal', name: 'fal.ai' },
  capabilities: {
    textToImage: true,
    imageToImage: false,
    maxReferenceImages: 0,
    maxImages: 2,
    seed: true,
    negativePrompt: false,
    maxPromptLength: 100,
    aspectRatios: ['1:1', '16:9', '9:16'],
    resolutions: [
      { id: '1K', creditsPerImage: 3 },
      { id: '2K', creditsPerImage: 5 },
    ],
  },
};

/** Like Gemini: aspect ratios, no seed. */
export const noSeedModel: PublicModel = {
  id: 'gemini',
  name: 'Gemini image',
  description: null,
  provider: { id: 'google', name: 'Google Gemini' },
  capabilities: {
    textToImage: true,
    imageToImage: true,
    maxReferenceImages: 4,
    maxImages: 4,
    seed: false,
    negativePrompt: false,
    maxPromptLength: 4000,
    aspectRatios: ['1:1', '4:3'],
    resolutions: [{ id: '1K', creditsPerImage: 4 }],
  },
};

export const models: PublicModel[] = [localModel, ratioModel, noSeedModel];

export function generation(overrides: Partial<Generation> = {}): Generation {
  return {
    id: 'gen-1',
    status: 'queued',
    modelId: 'local-preview',
    modelName: 'Local preview',
    prompt: 'a red fox in the snow',
    negativePrompt: null,
    size: '1024x1024',
    aspectRatio: null,
    resolution: null,
    width: 1024,
    height: 1024,
    n: 2,
    seed: null,
    cost: 4,
    charged: null,
    errorCode: null,
    errorMessage: null,
    createdAt: '2027-03-04T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    images: [],
    ...overrides,
  };
}
