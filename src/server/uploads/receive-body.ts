/**
 * Reads an upload's body with its own size limit (reliability U2), counted
 * while the bytes arrive: a declared Content-Length over the limit is
 * refused before anything is read, and a body without one (chunked) is
 * refused the moment it passes the limit, so no more than the limit is ever
 * held. The first bytes are shown to a check as soon as there are enough of
 * them, so an HTML page or a PDF is refused after 16 bytes rather than 10 MB.
 *
 * Memory: each upload being received holds up to UPLOAD_MAX_BYTES, so the
 * number received at once is bounded by a budget (UPLOAD_MEMORY_BUDGET /
 * limit, at least one). Others wait unread for a slot, which costs nothing
 * but a socket: TCP flow control stops their senders. A few waiting are
 * fine; a crowd is refused with 503. Node's `requestTimeout` (300 s by
 * default) ends a sender that trickles to hold a slot.
 */
import { AppError } from '../errors';

/* 48 MiB of bodies in flight: 4 uploads at the 10 MiB default, well within a small instance. */
export const UPLOAD_MEMORY_BUDGET = 48 * 1024 * 1024;
/* Beyond this many uploads waiting for a slot, new ones are refused rather than queued without end. */
const MAX_WAITING = 64;
/* Enough for every magic number the image sniffer reads (RIFF....WEBP is 12 bytes). */
export const PREFIX_BYTES = 16;

let receiving = 0;
const waiting: (() => void)[] = [];

/** Runs fn once fewer than budget / maxBytes bodies are being received. */
export async function withReceiveSlot<T>(maxBytes: number, fn: () => Promise<T>): Promise<T> {
  const slots = Math.max(1, Math.floor(UPLOAD_MEMORY_BUDGET / maxBytes));
  if (receiving >= slots) {
    if (waiting.length >= MAX_WAITING) throw new AppError('unavailable', { retryAfterSeconds: 5 });
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    receiving++;
  }
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else receiving--;
  }
}

export interface ReceiveOptions {
  maxBytes: number;
  /**
   * Refuse a body without Content-Length (411) before reading any of it.
   * With a declared length, an upload over the limit is refused from its
   * header and Node holds the sender to the length; without one, each
   * refused body must be read to the limit first (decision 019).
   */
  requireLength?: boolean;
  /** Sees the first PREFIX_BYTES bytes (or the whole body, if shorter) once; throws to stop reading. */
  checkPrefix?: (prefix: Uint8Array) => void;
}

export const tooLarge = (maxBytes: number) =>
  new AppError('payload_too_large', {
    fields: [{ field: 'file', message: 'validation.uploadTooLarge', vars: { max: formatBytes(maxBytes) } }],
  });

/** "10 MB", "512 KB": the limit as people read it (binary units, as the limit is set). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} B`;
}

/** The declared length, when the body has one Node will hold the sender to. */
function declaredLength(headers: Headers): number | undefined {
  if (headers.has('transfer-encoding')) return undefined;
  const value = headers.get('content-length');
  if (value === null) return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) {
    throw new AppError('validation_failed', {
      fields: [{ field: 'Content-Length', message: 'validation.invalidValue' }],
    });
  }
  return Number(value);
}

/** The whole body, at most maxBytes. Throws AppError payload_too_large (413), or whatever checkPrefix throws. */
export async function receiveBody(request: Request, options: ReceiveOptions): Promise<Buffer> {
  const { maxBytes } = options;
  const declared = declaredLength(request.headers);
  if (declared === undefined && options.requireLength) throw new AppError('length_required');
  if (declared !== undefined && declared > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) {
    options.checkPrefix?.(new Uint8Array(0));
    return Buffer.alloc(0);
  }

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let checked = !options.checkPrefix;
  const check = () => {
    checked = true;
    const joined = Buffer.concat(chunks, size);
    options.checkPrefix?.(joined.subarray(0, PREFIX_BYTES));
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Stop at once: what follows is never read (the server drains or drops it after the answer).
      if (size > maxBytes) throw tooLarge(maxBytes);
      chunks.push(value);
      if (!checked && size >= PREFIX_BYTES) check();
    }
    if (!checked) check();
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, size);
}
