/**
 * The built-in offline provider, id `local`: no key, no network. It draws a
 * deterministic picture from the prompt, seed and size (render.ts) in two
 * styles, `preview` and `sketch`, so the embedded default generates images
 * out of the box and tests get real PNG bytes. It can also behave like a
 * slow or failing provider (options.ts, faults.ts).
 *
 * A call runs: validate → draw the fault → latency → fault → render. The
 * fault is drawn before the latency so that changing the latency never
 * changes which calls fail.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../errors';
import type { GenerateContext, GenerateRequest, GenerateResult, ImageProvider } from '../types';
import { faultError, markerFault, pickFault, readFailMarkers, type FailMarker } from './faults';
import { defaultLocalProviderOptions, type LocalProviderOptions } from './options';
import { createRandom, hashString } from './random';
import { isLocalModel, renderLocalImage } from './render';
import { resolveLocalSize } from './sizes';

export const localProviderId = 'local';

/** At most 10 images per call, as OpenAI and OpenRouter allow. */
export const localMaxImages = 10;

export interface LocalProvider extends ImageProvider {
  /** Calls held by a `hang_ignoring_abort` fault right now. */
  readonly hangingCount: number;
  /** Lets every held call go on: each then renders and resolves, late, whatever its signal says. */
  releaseHanging(): void;
}

function aborted(signal: AbortSignal): ProviderError {
  return new ProviderError('timeout', {
    providerId: localProviderId,
    detail: 'call aborted',
    cause: signal.reason,
  });
}

function invalid(detail: string): ProviderError {
  return new ProviderError('invalid_request', { providerId: localProviderId, status: 400, detail });
}

/** Rejects with a timeout ProviderError as soon as the signal fires, and not before. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(aborted(signal));
    else signal.addEventListener('abort', () => reject(aborted(signal)), { once: true });
  });
}

export function createLocalProvider(options: Partial<LocalProviderOptions> = {}): LocalProvider {
  const settings: LocalProviderOptions = { ...defaultLocalProviderOptions, ...options };
  const held = new Set<() => void>();

  function allowedMarkers(markers: FailMarker[]): FailMarker[] {
    if (settings.failMarkers === 'off') return [];
    if (settings.failMarkers === 'all') return markers;
    return markers.filter((m) => m.kind !== 'hang_ignoring_abort');
  }

  function hang(): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        held.delete(release);
        resolve();
      };
      held.add(release);
    });
  }

  async function generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult> {
    const { signal, attempt } = context;
    if (signal.aborted) throw aborted(signal);
    const { model } = request;
    if (!isLocalModel(model)) {
      throw new ProviderError('model_unavailable', {
        providerId: localProviderId,
        status: 404,
        detail: `no local model "${model}"`,
      });
    }
    if (!Number.isInteger(request.n) || request.n < 1 || request.n > localMaxImages) {
      throw invalid(`n must be 1-${localMaxImages}`);
    }
    if (
      request.seed !== undefined &&
      !(Number.isInteger(request.seed) && request.seed >= 0 && request.seed < 2 ** 32)
    ) {
      throw invalid('seed must be an integer from 0 to 2^32-1');
    }
    const { size, warning } = resolveLocalSize(request);
    const { prompt, markers } = readFailMarkers(request.prompt);

    const draw = createRandom(hashString(`${settings.faultSeed}:${request.referenceId}:${attempt}`));
    const fault = markerFault(allowedMarkers(markers), attempt) ?? pickFault(settings.faults, draw.next());
    const latency = settings.latencyMs + Math.floor(draw.next() * settings.latencyJitterMs);
    if (latency > 0) {
      try {
        await sleep(latency, undefined, { signal });
      } catch {
        throw aborted(signal);
      }
    }

    let ignoreAbort = false;
    if (fault === 'timeout') await untilAborted(signal);
    else if (fault === 'hang_ignoring_abort') {
      await hang();
      ignoreAbort = true;
    } else if (fault) throw faultError(fault, settings.retryAfterMs);

    const seed = request.seed ?? hashString(request.referenceId);
    const seeds = Array.from({ length: request.n }, (_, i) => (seed + i) % 2 ** 32);
    const images = await Promise.all(
      seeds.map(async (imageSeed) => ({
        bytes: await renderLocalImage({
          model,
          prompt,
          negativePrompt: request.negativePrompt,
          seed: imageSeed,
          ...size,
        }),
        mediaType: 'image/png',
        seed: imageSeed,
      })),
    );
    if (signal.aborted && !ignoreAbort) throw aborted(signal);

    const warnings: string[] = [];
    if (warning) warnings.push(warning);
    if (request.referenceImages?.length) warnings.push('the local provider ignores reference images');
    return {
      images,
      seed,
      metadata: {
        requestId: `local-${hashString(`${request.referenceId}:${attempt}`).toString(16).padStart(8, '0')}`,
        costUsdMicros: 0,
      },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }

  return {
    id: localProviderId,
    generate,
    get hangingCount() {
      return held.size;
    },
    releaseHanging() {
      for (const release of [...held]) release();
    },
  };
}
