/**
 * The adapters a catalog provider can name (`providers.adapter`), with what
 * each needs to be built and how to check its settings cheaply. The registry
 * builds adapters from these when a route is first used with a given key and
 * base URL (registry.ts); the admin's "test connection" uses `probe`.
 * Text adapters (`kind: 'text'`, DeepSeek) have a key, a base URL and a
 * probe like the others, so admins manage them on the same page, but no
 * image adapter: prompt help builds them (src/server/llm, decision 017) and
 * image routes never resolve to them.
 */
import { DEEPSEEK_DEFAULT_BASE_URL, DEEPSEEK_PROVIDER_ID } from '../llm/deepseek-text-model';
import { ARK_DEFAULT_BASE_URL, ARK_PROVIDER_ID, createArkProvider } from './ark/ark-provider';
import {
  createFireworksProvider,
  FIREWORKS_DEFAULT_BASE_URL,
  FIREWORKS_PROVIDER_ID,
} from './fireworks/fireworks-provider';
import { createFalProvider, FAL_PROVIDER_ID, FAL_QUEUE_BASE_URL } from './fal/fal-provider';
import { createGeminiProvider } from './google/gemini-provider';
import { createOpenRouterProvider, OPENROUTER_PROVIDER_ID } from './openrouter/openrouter-provider';
import { createOpenAiCompatibleProvider } from './openai/openai-compatible-provider';
import { createOpenAiProvider } from './openai/openai-provider';
import {
  createReplicateProvider,
  REPLICATE_DEFAULT_BASE_URL,
  REPLICATE_PROVIDER_ID,
} from './replicate/replicate-provider';
import type { ImageProvider } from './types';

export interface AdapterSettings {
  apiKey?: string;
  /** The provider's API base; the adapter's default when absent. */
  baseUrl?: string;
  /** The platform's public URL (PUBLIC_URL), for providers that attribute usage to an app. */
  appUrl?: string;
}

export interface AdapterSpec {
  id: string;
  /** `text`: serves prompt help only (src/server/llm), never an image route. Default `image`. */
  kind?: 'image' | 'text';
  /** Whether the adapter can run without a key (a self-hosted server may need none). */
  needsKey: boolean;
  /** Whether it has no default base URL, so an admin must enter one. */
  needsBaseUrl: boolean;
  /** The base URL used when none is set, shown to admins. */
  defaultBaseUrl?: string;
  /** Builds the image adapter; absent for text adapters. */
  create?: (settings: AdapterSettings) => ImageProvider;
  /**
   * A cheap authenticated GET that proves the key and the base URL work,
   * without generating (and paying for) anything: a path under the base URL
   * and the headers that carry the key.
   */
  probe: {
    path: string;
    headers(apiKey: string | undefined): Record<string, string>;
    /** Non-2xx answers that still prove the key (fal: an unknown request id is a 404 after the key check). */
    acceptStatuses?: readonly number[];
  };
}

const bearer = (apiKey: string | undefined): Record<string, string> =>
  apiKey ? { authorization: `Bearer ${apiKey}` } : {};

const specs: AdapterSpec[] = [
  {
    id: 'openai',
    needsKey: true,
    needsBaseUrl: false,
    defaultBaseUrl: 'https://api.openai.com/v1',
    create: ({ apiKey, baseUrl }) =>
      createOpenAiProvider({ apiKey: apiKey ?? '', ...(baseUrl ? { baseUrl } : {}) }),
    probe: { path: '/models', headers: bearer },
  },
  {
    id: 'google',
    needsKey: true,
    needsBaseUrl: false,
    defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
    create: ({ apiKey, baseUrl }) =>
      createGeminiProvider({ apiKey: apiKey ?? '', ...(baseUrl ? { baseUrl } : {}) }),
    probe: {
      path: '/models',
      headers: (apiKey): Record<string, string> => (apiKey ? { 'x-goog-api-key': apiKey } : {}),
    },
  },
  {
    // Seedream on BytePlus ModelArk; Volcengine Ark users set their base URL.
    id: ARK_PROVIDER_ID,
    needsKey: true,
    needsBaseUrl: false,
    defaultBaseUrl: ARK_DEFAULT_BASE_URL,
    create: ({ apiKey, baseUrl }) =>
      createArkProvider({ apiKey: apiKey ?? '', ...(baseUrl ? { baseUrl } : {}) }),
    probe: { path: '/models', headers: bearer },
  },
  {
    // Replicate predictions: submitted once, polled (and woken by webhooks) until done.
    id: REPLICATE_PROVIDER_ID,
    needsKey: true,
    needsBaseUrl: false,
    defaultBaseUrl: REPLICATE_DEFAULT_BASE_URL,
    create: ({ apiKey, baseUrl }) =>
      createReplicateProvider({ apiKey: apiKey ?? '', ...(baseUrl ? { baseUrl } : {}) }),
    probe: { path: '/account', headers: bearer },
  },
  {
    // The fal queue: submit, then follow the status and result URLs fal returns.
    id: FAL_PROVIDER_ID,
    needsKey: true,
    needsBaseUrl: false,
    defaultBaseUrl: FAL_QUEUE_BASE_URL,
    create: ({ apiKey, baseUrl }) =>
      createFalProvider({ apiKey: apiKey ?? '', ...(baseUrl ? { baseUrl } : {}) }),
    // fal has no cheap account endpoint on the queue host: the status of a request
    // that cannot exist answers 401 for a bad key and 404 once the key is accepted.
    probe: {
      path: '/fal-ai/flux/requests/00000000-0000-4000-8000-000000000000/status',
      headers: (apiKey): Record<string, string> => (apiKey ? { authorization: `Key ${apiKey}` } : {}),
      acceptStatuses: [404],
    },
  },
  {
    // FLUX.1 synchronously through the AI SDK, Kontext as asynchronous tasks.
    id: FIREWORKS_PROVIDER_ID,
    needsKey: true,
    needsBaseUrl: false,
    defaultBaseUrl: FIREWORKS_DEFAULT_BASE_URL,
    create: ({ apiKey, baseUrl }) =>
      createFireworksProvider({ apiKey: apiKey ?? '', ...(baseUrl ? { baseUrl } : {}) }),
    probe: { path: '/models', headers: bearer },
  },
  {
    id: OPENROUTER_PROVIDER_ID,
    needsKey: true,
    needsBaseUrl: false,
    defaultBaseUrl: 'https://openrouter.ai/api/v1',
    create: ({ apiKey, baseUrl, appUrl }) =>
      createOpenRouterProvider({
        apiKey: apiKey ?? '',
        ...(baseUrl ? { baseUrl } : {}),
        ...(appUrl ? { appUrl } : {}),
      }),
    // The key's own limits and usage: proves the key without generating anything.
    probe: { path: '/key', headers: bearer },
  },
  {
    // Text only: prompt enhancement and translation (decision 017).
    id: DEEPSEEK_PROVIDER_ID,
    kind: 'text',
    needsKey: true,
    needsBaseUrl: false,
    defaultBaseUrl: DEEPSEEK_DEFAULT_BASE_URL,
    probe: { path: '/models', headers: bearer },
  },
  {
    id: 'openai_compatible',
    needsKey: false,
    needsBaseUrl: true,
    create: ({ apiKey, baseUrl }) =>
      createOpenAiCompatibleProvider({ baseUrl: baseUrl ?? '', ...(apiKey ? { apiKey } : {}) }),
    probe: { path: '/models', headers: bearer },
  },
];

const byId = new Map(specs.map((spec) => [spec.id, spec]));

export function adapterSpec(id: string): AdapterSpec | undefined {
  return byId.get(id);
}

export function adapterIds(): string[] {
  return specs.map((spec) => spec.id);
}
