/**
 * The adapter interface every image provider implements (architecture
 * decision 9; docs/decisions/014-provider-interface.md). The generation job
 * knows only this: it never imports a vendor SDK and never branches on the
 * provider.
 *
 * One method, `generate`, for every provider, synchronous or not. An
 * asynchronous provider (Replicate predictions, the fal queue, Fireworks
 * Kontext) submits and then polls inside `generate`, honouring the signal and
 * the deadline. So that a retried job does not pay for a second submission,
 * it reports the submitted work through `context.onPending` (the job stores
 * it on the generation row) and, when called again with `context.resume`,
 * polls that work instead of submitting anew. Webhooks only make the wait
 * shorter; polling stays the safety net, so a lost webhook never loses an
 * image.
 */
import type { Logger } from '../log';

export interface ReferenceImage {
  bytes: Uint8Array;
  /** e.g. image/png; checked by content when uploaded, never taken from the client. */
  mediaType: string;
}

export interface ImageSize {
  width: number;
  height: number;
}

export interface GenerateRequest {
  /** The provider's own model id, from the catalog route (never hard-coded in adapters). */
  model: string;
  prompt: string;
  negativePrompt?: string;
  /** Images wanted (≥ 1). Adapters split it when the provider takes fewer per call. */
  n: number;
  /**
   * Size in pixels and/or aspect ratio ("W:H"). Providers take one, the other
   * or both (OpenAI sizes, Gemini ratios, fal either); the adapter maps what
   * it is given and reports what it could not honour as a warning.
   */
  size?: ImageSize;
  aspectRatio?: string;
  /**
   * The catalog resolution the member chose for an aspect-ratio model
   * ("1K", "2K", "4K"), for providers that take a named output size
   * (Gemini's imageSize); the nominal pixels are in `size`.
   */
  resolution?: string;
  /** 0 … 2³²−1. Providers without seeds ignore it (with a warning). */
  seed?: number;
  referenceImages?: readonly ReferenceImage[];
  /**
   * Stable id of this provider call: the generation id and route, the same
   * on every attempt. Sent as an idempotency key or metadata where the
   * provider takes one; the offline provider derives its defaults from it.
   */
  referenceId: string;
  /** Route-specific options from the catalog, passed through to the provider (e.g. quality). */
  providerOptions?: Readonly<Record<string, unknown>>;
}

/** The subset of pino's logger adapters may use. */
export type ProviderLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Work an asynchronous provider accepted and is still doing; JSON-serialisable. */
export interface PendingWork {
  providerId: string;
  /** The provider's id for the work (prediction id, request id). */
  requestId: string;
  /** Whatever else polling needs, e.g. the status URL the provider returned. */
  data?: Readonly<Record<string, string>>;
}

export interface GenerateContext {
  /**
   * Ends the call: the job's own signal combined with the attempt timeout.
   * Adapters pass it to every request and must settle promptly once it
   * fires; the hold sweeper is the backstop for one that does not.
   */
  signal: AbortSignal;
  /** 1 for the first call of this request on this route, then 2, 3, … */
  attempt: number;
  /** When the generation's hold expires; nothing the adapter starts should outlive it. */
  deadline?: Date;
  logger?: ProviderLogger;
  /** Asynchronous providers only: work submitted by an earlier attempt, to poll instead of resubmitting. */
  resume?: PendingWork;
  /**
   * Asynchronous providers only: called once the provider accepted the work,
   * and again whenever the work changes (a resubmission after the resumed
   * work was gone); the job stores the latest, so a rerun resumes it.
   */
  onPending?: (work: PendingWork) => Promise<void>;
  /**
   * Asynchronous providers only: where the provider should post its
   * completion webhook for this call, when the platform can be reached from
   * outside (absent otherwise: the adapter then only polls).
   */
  webhookUrl?: string;
  /**
   * Asynchronous providers only: waits between two polls of `work`. Resolves
   * after `ms`, or earlier when a verified webhook says the work changed, so
   * the next poll comes at once; rejects when `signal` fires. Adapters fall
   * back to a plain timer when it is absent.
   */
  sleep?: (ms: number, work: PendingWork) => Promise<void>;
}

export interface GeneratedImage {
  bytes: Uint8Array;
  /** Sniffed from the bytes by the adapter (providers mislabel), e.g. image/png. */
  mediaType: string;
  /** The seed of this image, when the provider reports one. */
  seed?: number;
}

export interface ProviderMetadata {
  /** The provider's request or prediction id, for support and logs. */
  requestId?: string;
  /** What the provider charges us, in millionths of a US dollar, when it says. */
  costUsdMicros?: number;
  /** The prompt the provider actually used, when it rewrites prompts. */
  revisedPrompt?: string;
}

export interface GenerateResult {
  /**
   * `n` images in order; fewer only when the provider failed some of them
   * (Ark reports errors per image), with a warning. The hold then settles
   * for what was delivered.
   */
  images: GeneratedImage[];
  /** The seed of the first image, when known. */
  seed?: number;
  metadata?: ProviderMetadata;
  /** Settings the provider could not honour (e.g. a seed on OpenAI). */
  warnings?: string[];
}

export interface ImageProvider {
  /** Stable id used by catalog routes, e.g. "local", "openai". */
  readonly id: string;
  /**
   * Produces the images or throws a ProviderError (errors.ts). Never retries
   * by itself: retries, backoff and fallback belong to the job (retry.ts).
   */
  generate(request: GenerateRequest, context: GenerateContext): Promise<GenerateResult>;
}
