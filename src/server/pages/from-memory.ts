/**
 * Answers, at the Node request listener (start.ts), the requests whose
 * answer is the same for every visitor: files of the client build, message
 * bundles, and prerendered pages asked for without any cookie (a first
 * visit, and most visits to the marketing pages). Turning such a request into
 * a Fetch Request and through the app's middleware cost more than writing the
 * bytes: the landing page measured ~25 % more pages per second this way
 * (decision 010).
 *
 * The answer is the app's own: the same functions build the status, headers
 * and body as in pages/handler.ts (a test compares both over a socket). A
 * request with any cookie goes to the app, which decides on the session,
 * theme and language cookies. Like the app, this gives the response its
 * request id (written by the response class) and logs one line.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { requestIdFor } from '../http/request-context';
import { prerenderedPage, type ServedFiles } from './handler';
import { prerenderedResponse } from './prerendered';
import { staticFileResponse, type MemoryRequest, type MemoryResponse } from './static-assets';

/** True when it answered the request; false leaves it to the app. */
export function answerFromMemory(
  served: ServedFiles,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse & { requestId?: string },
): boolean {
  const method = req.method;
  if ((method !== 'GET' && method !== 'HEAD') || req.headers.cookie !== undefined) return false;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const urlPath = query === -1 ? url : url.slice(0, query);
  // Paths that need decoding or normalizing are the app's to answer.
  if (
    !urlPath.startsWith('/') ||
    urlPath.startsWith('/api/') ||
    urlPath.includes('%') ||
    urlPath.includes('//') ||
    urlPath.includes('/.')
  ) {
    return false;
  }
  const started = performance.now();
  const request: MemoryRequest = {
    head: method === 'HEAD',
    acceptEncoding: req.headers['accept-encoding'],
    ifNoneMatch: req.headers['if-none-match'],
  };
  let answer: MemoryResponse;
  const file = served.assets.get(urlPath);
  if (file) {
    answer = staticFileResponse(file, request);
  } else {
    const page = prerenderedPage(served, urlPath);
    if (!page) return false;
    answer = prerenderedResponse(page, 'system', request);
  }
  const inbound = req.headers['x-request-id'];
  const requestId = requestIdFor(typeof inbound === 'string' ? inbound : undefined);
  if ('requestId' in res) res.requestId = requestId;
  else res.setHeader('x-request-id', requestId);
  const headers: Record<string, string | number> = answer.headers;
  if (answer.body) headers['content-length'] = answer.body.byteLength;
  res.writeHead(answer.status, headers);
  res.end(answer.body ?? undefined);
  logger.info(
    {
      reqId: requestId,
      method,
      path: urlPath,
      status: answer.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    },
    'request',
  );
  return true;
}
