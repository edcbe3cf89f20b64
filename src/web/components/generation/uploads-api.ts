/**
 * The member API calls for uploads (reference images), typed, in the page's
 * language. A file goes up as the request body itself (what
 * `POST /api/uploads` takes, see src/server/uploads/routes.ts) through
 * XMLHttpRequest, the one browser API that reports upload progress; the rest
 * are JSON calls through apiFetch.
 */
import { ApiError, apiFetch, type ApiFieldError } from '../../lib/api';
import type { UploadView } from '../../../server/uploads/queries';
import type { CursorPage } from './types';

/** An upload as the API returns it: the server's own view type, so the two cannot drift apart. */
export type Upload = UploadView;

const uploadPath = (id: string) => `/api/uploads/${encodeURIComponent(id)}`;

type ErrorPayload = { error?: { code?: string; message?: string; fields?: ApiFieldError[] } } | null;

function parsePayload(text: string): ErrorPayload {
  try {
    return JSON.parse(text) as ErrorPayload;
  } catch {
    return null;
  }
}

function errorFromXhr(xhr: XMLHttpRequest): ApiError {
  const error = parsePayload(xhr.responseText)?.error;
  return new ApiError(xhr.status, error?.code ?? 'internal', error?.message ?? '', error?.fields ?? []);
}

export interface UploadFileOptions {
  locale: string;
  /** Called as bytes leave the browser, with the fraction sent (0–1). */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Sends one file; resolves with the stored upload or rejects with an ApiError (status 0: network). */
export function uploadFile(file: Blob & { name?: string }, options: UploadFileOptions): Promise<Upload> {
  return new Promise<Upload>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new DOMException('The upload was canceled.', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    const query = file.name ? `?name=${encodeURIComponent(file.name)}` : '';
    xhr.open('POST', `/api/uploads${query}`);
    xhr.setRequestHeader('accept-language', options.locale);
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status === 201) {
        try {
          resolve(JSON.parse(xhr.responseText) as Upload);
        } catch {
          reject(new ApiError(xhr.status, 'internal', ''));
        }
      } else {
        reject(errorFromXhr(xhr));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', ''));
    xhr.onabort = () => reject(new DOMException('The upload was canceled.', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** Asks the server to fetch an image from a URL (it refuses private addresses). */
export function uploadFromUrl(url: string, locale: string): Promise<Upload> {
  return apiFetch('/api/uploads/from-url', { body: { url }, locale });
}

export function listUploads(cursor: string | null, locale: string): Promise<CursorPage<Upload>> {
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
  return apiFetch(`/api/uploads${query}`, { locale });
}

export async function deleteUpload(id: string, locale: string): Promise<void> {
  await apiFetch(uploadPath(id), { method: 'DELETE', locale });
}

/**
 * The most useful text of an API error for a person: a field's message
 * (which says what is wrong with the file or URL) before the general one.
 */
export function uploadErrorMessage(error: unknown, fallback: { network: string; internal: string }): string {
  if (!(error instanceof ApiError)) return fallback.internal;
  if (error.code === 'network') return fallback.network;
  return error.fields[0]?.message || error.message || fallback.internal;
}
