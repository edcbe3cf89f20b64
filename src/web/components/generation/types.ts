/**
 * The generation API's shapes as the pages see them (JSON: dates are ISO
 * strings). The model type comes from the server module that builds it, as a
 * type only, so a change there fails the typecheck here instead of at run time.
 */
import type { PublicModel } from '../../../server/catalog/public-model';

export type { PublicModel };

export const generationStatuses = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type GenerationStatus = (typeof generationStatuses)[number];

export interface GenerationImage {
  id: string;
  index: number;
  url: string;
  thumbUrl: string;
  downloadUrl: string;
  width: number;
  height: number;
  seed: number | null;
}

export interface Generation {
  id: string;
  status: GenerationStatus;
  modelId: string;
  modelName: string;
  prompt: string;
  negativePrompt: string | null;
  size: string | null;
  aspectRatio: string | null;
  /**
   * Not in the API contract yet: read when present so "reuse settings" can
   * restore the resolution of aspect-ratio models exactly.
   */
  resolution?: string | null;
  width: number;
  height: number;
  n: number;
  seed: number | null;
  cost: number;
  charged: number | null;
  errorCode: string | null;
  /** Localized by the server; says when credits were refunded. */
  errorMessage: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  images: GenerationImage[];
}

export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

export type { CreditBalance } from '../../lib/credit-balance';

export const creditEntryKinds = ['grant', 'hold', 'settle', 'void', 'expire', 'revoke'] as const;
export type CreditEntryKind = (typeof creditEntryKinds)[number];

export interface CreditEntry {
  id: string;
  kind: CreditEntryKind;
  amount: number;
  availableChange: number;
  heldChange: number;
  /** Localized label from the server. */
  reason: string | null;
  /** The generation id for hold, settle and void entries. */
  reference: string | null;
  createdAt: string;
}

/** The generator settings remembered on the account (the prompt is not). */
export interface GeneratorSettings {
  modelId: string;
  size?: string;
  aspectRatio?: string;
  resolution?: string;
  n: number;
  seed?: number;
}

export interface GenerationRequest {
  prompt: string;
  modelId: string;
  size?: string;
  aspectRatio?: string;
  resolution?: string;
  n: number;
  seed?: number;
  negativePrompt?: string;
}

export interface CreatedGeneration {
  id: string;
  status: 'queued';
  cost: number;
}
