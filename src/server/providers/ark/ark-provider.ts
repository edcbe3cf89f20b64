/**
 * Seedream direct from BytePlus ModelArk or Volcengine Ark (providers.md
 * §4.8): a native adapter on `POST {baseUrl}/images/generations`, since no
 * AI SDK provider speaks it and the OpenAI-compatible one would send `n`,
 * post references to an `/images/edits` Ark lacks, and break on per-image
 * errors. BytePlus is the default base URL; Volcengine users configure
 * theirs. The model id (a Seedream id or an `ep-…` endpoint) comes from the
 * catalog route.
 *
 * The call is synchronous and billed even when the connection drops, so
 * the adapter never retries by itself (the job decides, retry.ts). n > 1
 * is one group-generation call: Ark may return fewer images than asked, or
 * replace some with per-image errors; what came back is returned with a
 * warning, and the hold settles for it. Failures map by Ark's structured
 * error code, then by status (ark-errors.ts).
 */
import { ProviderError } from '../errors';
import type {
  GenerateContext,
  GenerateRequest,
  GenerateResult,
  GeneratedImage,
  ImageProvider,
} from '../types';
import { arkHttpError } from './ark-errors';
import {
  checkedImage,
  decodeBase64,
  downloadImage,
  noImageError,
  readArkAnswer,
  type ArkAnswer,
  type ArkItem,
} from './ark-images';
import { buildArkBody } from './ark-request';

export const ARK_PROVIDER_ID = 'byteplus';
/** BytePlus ModelArk; Volcengine is https://ark.cn-beijing.volces.com/api/v3. */
export const ARK_DEFAULT_BASE_URL = 'https://ark.ap-southeast.bytepluses.com/api/v3';

export interface ArkProviderOptions {
  apiKey: string;
  /** Default BytePlus (ARK_DEFAULT_BASE_URL); Volcengine, a gateway or a test fake otherwise. */
  baseUrl?: string;
  /** For tests: the fetch used for the API and for image downloads. */
  fetch?: typeof fetch;
}

interface Answered {
  answer: ArkAnswer;
  status: number;
  requestId: string | undefined;
}

export function createArkProvider(options: ArkProviderOptions): ImageProvider {
  const baseUrl = (options.baseUrl ?? ARK_DEFAULT_BASE_URL).replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? fetch;

  async function post(body: Record<string, unknown>, signal: AbortSignal): Promise<Answered> {
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(`${baseUrl}/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw aborted(error);
      // Ark may have taken (and billed) the request before the connection died.
      throw new ProviderError('provider_error', {
        providerId: ARK_PROVIDER_ID,
        cause: error,
        detail: 'connection failed before an answer; Ark may still bill the request',
      });
    }
    if (!response.ok) throw arkHttpError(response.status, response.headers, text, ARK_PROVIDER_ID);
    const answer = readArkAnswer(parseJson(text));
    if (!answer) {
      throw new ProviderError('provider_error', {
        providerId: ARK_PROVIDER_ID,
        status: response.status,
        detail: 'answer is not JSON of the images/generations shape',
      });
    }
    return { answer, status: response.status, requestId: response.headers.get('x-request-id') ?? undefined };
  }

  async function imageOf(item: Exclude<ArkItem, { kind: 'error' }>, index: number, signal: AbortSignal) {
    const bytes =
      item.kind === 'b64'
        ? decodeBase64(item.data)
        : await downloadImage(item.url, { baseUrl, signal, fetch: fetchImpl, providerId: ARK_PROVIDER_ID });
    return checkedImage(bytes, ARK_PROVIDER_ID, `image ${index}`);
  }

  return {
    id: ARK_PROVIDER_ID,
    async generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult> {
      const built = buildArkBody(request, ARK_PROVIDER_ID);
      const { signal } = context;
      try {
        const { answer, status, requestId } = await post(built.body, signal);
        const failed = answer.items.flatMap((item) => (item.kind === 'error' ? [item.code] : []));
        const pending = answer.items.flatMap((item, index) =>
          item.kind === 'error' ? [] : [imageOf(item, index, signal)],
        );
        if (pending.length === 0) throw noImageError(failed, ARK_PROVIDER_ID, status);
        const images: GeneratedImage[] = (await Promise.all(pending)).slice(0, request.n);
        const warnings = [...built.warnings];
        if (failed.length > 0) warnings.push(`Ark failed ${failed.length} image(s): ${failed.join(', ')}`);
        if (images.length < request.n) warnings.push(`Ark returned ${images.length} of ${request.n} images`);
        return {
          images,
          ...(built.seed !== undefined ? { seed: built.seed } : {}),
          ...(requestId ? { metadata: { requestId } } : {}),
          warnings,
        };
      } catch (error) {
        if (error instanceof ProviderError) throw error;
        throw signal.aborted
          ? aborted(error)
          : new ProviderError('provider_error', { providerId: ARK_PROVIDER_ID, cause: error });
      }
    },
  };
}

/** The call's signal fired: the job's deadline or cancellation ended it. */
function aborted(cause: unknown): ProviderError {
  return new ProviderError('timeout', { providerId: ARK_PROVIDER_ID, cause, detail: 'call aborted' });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
