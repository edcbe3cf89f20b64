/**
 * The built-in catalog that `seedCatalog` inserts (decision 012): the offline
 * `local` provider with its two models, and the current image models of the
 * real providers in ../shared/docs/providers.md (§1.2), whose providers stay
 * disabled until an admin enters a key. Retired ids (providers.md §1.1) are
 * never listed; a unit test checks that.
 *
 * Prices: 1 credit ≈ 1 US cent of provider cost per image, rounded up, taken
 * from the dearest route of the model's chain so that falling back never
 * costs more than was charged. Margin is set where credits are sold (pack
 * prices), not here. Sources of each figure are noted beside it; "(PM)"
 * means providers.md.
 *
 * Limits that are platform choices rather than provider limits:
 * - at most 4 images per request on every model (providers allow up to 10):
 *   the size of the result grid and of the largest single credit hold;
 * - 4 000 prompt characters unless the provider documents more (OpenAI);
 * - 4 reference images where providers.md gives no figure.
 */
import type { ModelCapabilities, ModelPricing, RouteOptions } from './capabilities';

export interface SeedProvider {
  id: string;
  nameEn: string;
  nameZh: string;
  enabled: boolean;
  sortOrder: number;
}

export interface SeedRoute {
  providerId: string;
  providerModelId: string;
  options?: RouteOptions;
}

export interface SeedModel {
  id: string;
  nameEn: string;
  nameZh: string;
  descriptionEn: string;
  descriptionZh: string;
  capabilities: ModelCapabilities;
  pricing: ModelPricing;
  sortOrder: number;
  /** In order: index 0 is the primary route, the rest are fallbacks. */
  routes: SeedRoute[];
}

// Sort orders go in steps of 10 so an admin can slot entries in between.
export const seedProviders: readonly SeedProvider[] = [
  { id: 'local', nameEn: 'Local preview (offline)', nameZh: '本地预览（离线）', enabled: true, sortOrder: 0 },
  { id: 'openai', nameEn: 'OpenAI', nameZh: 'OpenAI', enabled: false, sortOrder: 10 },
  { id: 'google', nameEn: 'Google Gemini', nameZh: 'Google Gemini', enabled: false, sortOrder: 20 },
  { id: 'byteplus', nameEn: 'BytePlus ModelArk', nameZh: 'BytePlus ModelArk', enabled: false, sortOrder: 30 },
  { id: 'fal', nameEn: 'fal.ai', nameZh: 'fal.ai', enabled: false, sortOrder: 40 },
  { id: 'replicate', nameEn: 'Replicate', nameZh: 'Replicate', enabled: false, sortOrder: 50 },
  { id: 'fireworks', nameEn: 'Fireworks AI', nameZh: 'Fireworks AI', enabled: false, sortOrder: 60 },
  // No routes yet: providers.md confirms no OpenRouter image slug; admins add
  // them from the live list (GET /api/v1/images/models).
  { id: 'openrouter', nameEn: 'OpenRouter', nameZh: 'OpenRouter', enabled: false, sortOrder: 70 },
  // A self-hosted server: it needs a base URL before it can have routes.
  {
    id: 'openai_compatible',
    nameEn: 'OpenAI-compatible endpoint',
    nameZh: 'OpenAI 兼容接口',
    enabled: false,
    sortOrder: 80,
  },
  // Text only, never an image route: the default model for prompt enhancement and
  // translation (PROMPT_LLM_PROVIDER, decision 017). Listed so admins can enter its key.
  {
    id: 'deepseek',
    nameEn: 'DeepSeek (prompt help)',
    nameZh: 'DeepSeek（提示词助手）',
    enabled: false,
    sortOrder: 100,
  },
];

const MAX_IMAGES = 4;
const PROMPT_LIMIT = 4000;

/** The local renderer's tier rule: up to 0.6 megapixels is `standard`, anything larger `hd`. */
export const LOCAL_STANDARD_MAX_PIXELS = 600_000;

const localSizes = ['512x512', '768x768', '1024x1024', '1024x768', '768x1024', '1344x768', '768x1344'].map(
  (size) => {
    const [width = 0, height = 0] = size.split('x').map(Number);
    return { size, tier: width * height <= LOCAL_STANDARD_MAX_PIXELS ? 'standard' : 'hd' };
  },
);

const localCapabilities: ModelCapabilities = {
  textToImage: true,
  imageToImage: false,
  maxReferenceImages: 0,
  maxImages: MAX_IMAGES,
  seed: true,
  negativePrompt: true,
  maxPromptLength: PROMPT_LIMIT,
  sizes: localSizes,
};

/** Costs nothing to run; priced so credits, holds and refunds are exercised end to end offline. */
const localPricing: ModelPricing = { perImage: { standard: 1, hd: 2 } };

/**
 * Seedream's 2K sizes. Each fits every route: Ark 4.5 wants 3 686 400 pixels
 * or more (2560x1440 is exactly that), fal 960²–4096² in total, Replicate
 * 1024–4096 per side (PM §4.2, §4.3, §4.8).
 */
const seedreamSizes = [
  '2048x2048',
  '2304x1728',
  '1728x2304',
  '2560x1440',
  '1440x2560',
  '2496x1664',
  '1664x2496',
  '3024x1296',
].map((size) => ({ size, tier: 'standard' }));

function seedreamCapabilities(): ModelCapabilities {
  return {
    textToImage: true,
    imageToImage: true,
    // Replicate seedream-4 takes 1–10 refs (PM §4.2); Ark 4.x 10–14.
    maxReferenceImages: 10,
    maxImages: MAX_IMAGES,
    // Ark honours seed only on Seedream 3.0 (PM §4.8), so the chain cannot promise it.
    seed: false,
    negativePrompt: false,
    maxPromptLength: PROMPT_LIMIT,
    sizes: seedreamSizes,
  };
}

/** The ratios every FLUX route takes: Replicate, Fireworks and fal's named sizes (PM §4.3). */
const fluxRatios = ['1:1', '16:9', '9:16', '4:3', '3:4'];
/** FLUX renders about one megapixel at any ratio. */
const fluxResolutions = [{ id: '1MP', edge: 1024, tier: 'standard' }];

function fluxCapabilities(options: { referenceImages: number; ratios?: string[] }): ModelCapabilities {
  return {
    textToImage: true,
    imageToImage: options.referenceImages > 0,
    maxReferenceImages: options.referenceImages,
    maxImages: MAX_IMAGES,
    seed: true,
    negativePrompt: false,
    maxPromptLength: PROMPT_LIMIT,
    aspectRatios: options.ratios ?? fluxRatios,
    resolutions: fluxResolutions,
  };
}

/** The Gemini image ratios of PM §4.5, without the extreme 1:8 … 8:1 ones. */
const geminiRatios = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '5:4', '4:5', '21:9'];

function geminiCapabilities(resolutions: { id: string; edge: number; tier: string }[]): ModelCapabilities {
  return {
    textToImage: true,
    imageToImage: true,
    maxReferenceImages: 4,
    maxImages: MAX_IMAGES,
    // generationConfig.seed exists but image output is not reproducible by it.
    seed: false,
    negativePrompt: false,
    maxPromptLength: PROMPT_LIMIT,
    aspectRatios: geminiRatios,
    resolutions,
  };
}

export const seedModels: readonly SeedModel[] = [
  {
    id: 'local-preview',
    nameEn: 'Local preview',
    nameZh: '本地预览',
    descriptionEn:
      'Draws a preview picture from your prompt on this server. Not an AI model: it needs no key and no network.',
    descriptionZh: '在本服务器上根据提示词绘制预览图。这不是 AI 模型：无需密钥，也无需联网。',
    capabilities: localCapabilities,
    pricing: localPricing,
    sortOrder: 0,
    routes: [{ providerId: 'local', providerModelId: 'preview' }],
  },
  {
    id: 'local-sketch',
    nameEn: 'Local sketch',
    nameZh: '本地草图',
    descriptionEn:
      'The offline preview renderer in a line-drawing style, for trying side-by-side comparisons. Not an AI model.',
    descriptionZh: '离线预览渲染器的线描风格，用于体验并排对比。这不是 AI 模型。',
    capabilities: localCapabilities,
    pricing: localPricing,
    sortOrder: 10,
    routes: [{ providerId: 'local', providerModelId: 'sketch' }],
  },
  {
    id: 'gpt-image-2',
    nameEn: 'GPT Image 2',
    nameZh: 'GPT Image 2',
    descriptionEn: "OpenAI's image model: strong at following long prompts and at text inside images.",
    descriptionZh: 'OpenAI 的图像模型，擅长遵循长提示词并在图中呈现文字。',
    capabilities: {
      textToImage: true,
      imageToImage: true,
      maxReferenceImages: 4,
      maxImages: MAX_IMAGES,
      seed: false, // OpenAI takes no seed (PM §4.1)
      negativePrompt: false,
      maxPromptLength: 32_000, // PM §4.1
      // The three standard sizes; custom sizes are unconfirmed (PM §4.1).
      sizes: [
        { size: '1024x1024', tier: 'square' },
        { size: '1536x1024', tier: 'rectangular' },
        { size: '1024x1536', tier: 'rectangular' },
      ],
    },
    // Medium quality: $0.053 square, $0.041 other sizes (PM §4.1) -> 6 and 5.
    pricing: { perImage: { square: 6, rectangular: 5 } },
    sortOrder: 0,
    routes: [{ providerId: 'openai', providerModelId: 'gpt-image-2', options: { quality: 'medium' } }],
  },
  {
    id: 'gemini-3.1-flash-image',
    nameEn: 'Nano Banana 2 (Gemini 3.1 Flash Image)',
    nameZh: 'Nano Banana 2（Gemini 3.1 Flash Image）',
    descriptionEn: "Google's fast Gemini image model, for generating and editing with reference images.",
    descriptionZh: 'Google 的快速 Gemini 图像模型，可生成图片，也可依据参考图编辑。',
    capabilities: geminiCapabilities([
      { id: '1K', edge: 1024, tier: '1k' },
      { id: '2K', edge: 2048, tier: '2k' },
      { id: '4K', edge: 4096, tier: '4k' },
    ]),
    // 1K $0.067 (PM §4.5); 2K $0.101 and 4K $0.151 from Google's rate card
    // as quoted in public code (HeyPuter/puter), not yet in providers.md.
    pricing: { perImage: { '1k': 7, '2k': 11, '4k': 16 } },
    sortOrder: 0,
    routes: [{ providerId: 'google', providerModelId: 'gemini-3.1-flash-image' }],
  },
  {
    id: 'gemini-3-pro-image',
    nameEn: 'Nano Banana Pro (Gemini 3 Pro Image)',
    nameZh: 'Nano Banana Pro（Gemini 3 Pro Image）',
    descriptionEn: "Google's highest-quality Gemini image model, up to 4K.",
    descriptionZh: 'Google 画质最高的 Gemini 图像模型，最高 4K。',
    capabilities: geminiCapabilities([
      { id: '1K', edge: 1024, tier: 'standard' },
      { id: '2K', edge: 2048, tier: 'standard' },
      { id: '4K', edge: 4096, tier: '4k' },
    ]),
    // $0.134 for 1K–2K, $0.24 for 4K (PM §4.5).
    pricing: { perImage: { standard: 14, '4k': 24 } },
    sortOrder: 10,
    routes: [{ providerId: 'google', providerModelId: 'gemini-3-pro-image' }],
  },
  {
    id: 'seedream-4',
    nameEn: 'Seedream 4.0',
    nameZh: 'Seedream 4.0',
    descriptionEn: "ByteDance's image model: sharp 2K images and editing with up to 10 reference images.",
    descriptionZh: '字节跳动的图像模型：2K 高清出图，支持最多 10 张参考图编辑。',
    capabilities: seedreamCapabilities(),
    // $0.03 on Ark, fal and Replicate (PM §4.2, §4.3, §4.8).
    pricing: { perImage: { standard: 3 } },
    sortOrder: 0,
    routes: [
      { providerId: 'byteplus', providerModelId: 'seedream-4-0-250828' },
      {
        providerId: 'fal',
        providerModelId: 'fal-ai/bytedance/seedream/v4/text-to-image',
        // fal serves edits from a separate endpoint (PM §4.3).
        options: { editModelId: 'fal-ai/bytedance/seedream/v4/edit' },
      },
      { providerId: 'replicate', providerModelId: 'bytedance/seedream-4' },
    ],
  },
  {
    id: 'seedream-4.5',
    nameEn: 'Seedream 4.5',
    nameZh: 'Seedream 4.5',
    descriptionEn: 'Seedream 4.5: finer detail and typography than 4.0, at 2K and above.',
    descriptionZh: 'Seedream 4.5：细节与文字排版优于 4.0，2K 及以上分辨率。',
    capabilities: seedreamCapabilities(),
    // Ark $0.04–0.045, Replicate about $0.045 (PM §4.2, §4.8). No fal route: its 4.5 endpoint is not in providers.md.
    pricing: { perImage: { standard: 5 } },
    sortOrder: 10,
    routes: [
      { providerId: 'byteplus', providerModelId: 'seedream-4-5-251128' },
      { providerId: 'replicate', providerModelId: 'bytedance/seedream-4.5' },
    ],
  },
  {
    id: 'seedream-5',
    nameEn: 'Seedream 5.0',
    nameZh: 'Seedream 5.0',
    descriptionEn: 'The newest Seedream generation, direct from BytePlus.',
    descriptionZh: '最新一代 Seedream，由 BytePlus 直接提供。',
    capabilities: seedreamCapabilities(),
    // About $0.035 on Ark (PM §4.8). The Replicate and fal ids of 5.0 are unconfirmed (PM §6), so no fallback yet.
    pricing: { perImage: { standard: 4 } },
    sortOrder: 20,
    routes: [{ providerId: 'byteplus', providerModelId: 'seedream-5-0-260128' }],
  },
  {
    id: 'flux-schnell',
    nameEn: 'FLUX.1 [schnell]',
    nameZh: 'FLUX.1 [schnell]',
    descriptionEn: "Black Forest Labs' fastest FLUX model: a draft in a second or two.",
    descriptionZh: 'Black Forest Labs 最快的 FLUX 模型，一两秒出草稿。',
    capabilities: fluxCapabilities({ referenceImages: 0 }),
    // Replicate $0.003, fal about $0.003/MP, Fireworks about $0.0014 (4 steps) (PM §4.2–4.4).
    pricing: { perImage: { standard: 1 } },
    sortOrder: 0,
    routes: [
      { providerId: 'fal', providerModelId: 'fal-ai/flux/schnell' },
      { providerId: 'replicate', providerModelId: 'black-forest-labs/flux-schnell' },
      { providerId: 'fireworks', providerModelId: 'accounts/fireworks/models/flux-1-schnell-fp8' },
    ],
  },
  {
    id: 'flux-dev',
    nameEn: 'FLUX.1 [dev]',
    nameZh: 'FLUX.1 [dev]',
    descriptionEn: 'Open-weight FLUX with higher quality than schnell, at a few seconds per image.',
    descriptionZh: '开放权重的 FLUX，画质高于 schnell，每张数秒。',
    capabilities: fluxCapabilities({ referenceImages: 0 }),
    // Replicate $0.025 (PM §4.2), the dearest route; Fireworks about $0.014 (28 steps).
    pricing: { perImage: { standard: 3 } },
    sortOrder: 10,
    routes: [
      { providerId: 'fal', providerModelId: 'fal-ai/flux/dev' },
      { providerId: 'replicate', providerModelId: 'black-forest-labs/flux-dev' },
      { providerId: 'fireworks', providerModelId: 'accounts/fireworks/models/flux-1-dev-fp8' },
    ],
  },
  {
    id: 'flux-1.1-pro',
    nameEn: 'FLUX1.1 [pro]',
    nameZh: 'FLUX1.1 [pro]',
    descriptionEn: "Black Forest Labs' production FLUX model: photoreal detail and close prompt adherence.",
    descriptionZh: 'Black Forest Labs 的生产级 FLUX 模型：写实细节，紧贴提示词。',
    capabilities: fluxCapabilities({ referenceImages: 0 }),
    // $0.04 on fal and Replicate (the providers' model pages; not yet in providers.md).
    pricing: { perImage: { standard: 4 } },
    sortOrder: 20,
    routes: [
      { providerId: 'fal', providerModelId: 'fal-ai/flux-pro/v1.1' },
      { providerId: 'replicate', providerModelId: 'black-forest-labs/flux-1.1-pro' },
    ],
  },
  {
    id: 'flux-kontext-pro',
    nameEn: 'FLUX.1 Kontext [pro]',
    nameZh: 'FLUX.1 Kontext [pro]',
    descriptionEn: 'FLUX for editing: change an image with a sentence, or generate from text.',
    descriptionZh: '用于编辑的 FLUX：一句话修改图片，也可根据文字生成。',
    capabilities: fluxCapabilities({ referenceImages: 1, ratios: [...fluxRatios, '3:2', '2:3'] }),
    // $0.04 (PM §4.4).
    pricing: { perImage: { standard: 4 } },
    sortOrder: 0,
    routes: [{ providerId: 'fireworks', providerModelId: 'accounts/fireworks/models/flux-kontext-pro' }],
  },
  {
    id: 'flux-kontext-max',
    nameEn: 'FLUX.1 Kontext [max]',
    nameZh: 'FLUX.1 Kontext [max]',
    descriptionEn: 'The strongest Kontext model, for edits that must keep fine detail and lettering.',
    descriptionZh: '最强的 Kontext 模型，适合需要保留细节和文字的编辑。',
    capabilities: fluxCapabilities({ referenceImages: 1, ratios: [...fluxRatios, '3:2', '2:3'] }),
    // $0.08 (PM §4.4).
    pricing: { perImage: { standard: 8 } },
    sortOrder: 10,
    routes: [{ providerId: 'fireworks', providerModelId: 'accounts/fireworks/models/flux-kontext-max' }],
  },
];

/** Seed keys (catalog_seed_entries): what the seed has inserted once and will not insert again. */
export const seedKeys = {
  provider: (id: string) => `provider:${id}`,
  model: (id: string) => `model:${id}`,
  route: (modelId: string, position: number) => `route:${modelId}:${position}`,
};
