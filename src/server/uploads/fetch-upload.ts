/**
 * An upload from an image URL a member gives: fetched only through the
 * SSRF-safe fetcher (net/safe-fetch.ts, reliability P3) with the upload size
 * limit, then stored exactly like a file upload, so the same content checks
 * decide (the server's declared Content-Type is ignored). The label is the
 * URL's last path segment, sanitized.
 */
import { AppError, type FieldError } from '../errors';
import { safeFetch, SafeFetchError } from '../net/safe-fetch';
import { tooLarge } from './receive-body';
import { storeUpload, type UploadDeps, type UploadRow } from './store-upload';
import { labelFromUrl } from './upload-name';

function urlError(message: FieldError['message'], cause: SafeFetchError): AppError {
  return new AppError('validation_failed', { fields: [{ field: 'url', message }], cause });
}

/** The member-facing error for a refused or failed fetch; the details stay in the cause for logs. */
function toAppError(error: SafeFetchError, maxBytes: number): AppError {
  switch (error.code) {
    case 'invalid_url':
      return urlError('validation.urlInvalid', error);
    case 'forbidden_address':
      return urlError('validation.urlNotAllowed', error);
    case 'too_large':
      return tooLarge(maxBytes);
    default:
      return urlError('validation.urlFetchFailed', error);
  }
}

export async function fetchUpload(
  deps: UploadDeps,
  input: { userId: string; url: string },
): Promise<UploadRow> {
  const { maxBytes, urlAllowlist } = deps.config.uploads;
  let fetched;
  try {
    fetched = await safeFetch(input.url, { maxBytes, allow: urlAllowlist });
  } catch (error) {
    throw error instanceof SafeFetchError ? toAppError(error, maxBytes) : error;
  }
  return storeUpload(deps, { userId: input.userId, bytes: fetched.bytes, name: labelFromUrl(fetched.url) });
}
