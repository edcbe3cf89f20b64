/**
 * The generation API's shapes as the pages see them (JSON: dates are ISO
 * strings). The model and generation types come from the server modules that build them, as
 * types only, so a change there fails the typecheck here instead of at run time.
 */
import type { PublicModel } from '../../../server/catalog/public-model';

export type { PublicModel };

export type { GenerationStatus } from '../../../server/db/schema/generations';
/** `GET /api/generations/:id` and the items of its list, exactly as the server presents them. */
export type {
  GenerationView as Generation,
  ImageView as GenerationImage,
} from '../../../server/generations/queries';

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
  /** The member's uploads sent as reference images, in order (image-to-image models). */
  referenceUploadIds?: string[];
}

export interface CreatedGeneration {
  id: string;
  status: 'queued';
  cost: number;
}
