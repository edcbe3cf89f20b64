/**
 * A fake of the Gemini API's image generation (providers.md §4.5, checklist
 * §7.5): `POST /v1beta/models/{model}:generateContent` returning an
 * `inlineData` image, `GET /v1beta/models`, the key in `x-goog-api-key` or
 * `?key=`, safety blocks as HTTP 200 without an image, and errors in
 * Google's shape `{"error": {"code", "message", "status", "details"}}`,
 * including a bad key as 400 `API_KEY_INVALID` and 429s whose retry delay
 * is in the body (`RetryInfo.retryDelay`).
 */
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { sendJson, startFakeServer, type FakeServer, type QueuedFault } from './fake-server';

export interface GeminiFakeOptions {
  apiKey?: string;
  /** The ids `GET /v1beta/models` lists and `generateContent` accepts. */
  models?: readonly string[];
}

export interface GeminiFake extends FakeServer {
  /** The base URL an adapter is configured with: `<origin>/v1beta`. */
  readonly baseUrl: string;
  readonly apiKey: string;
}

/* The API's own list, kept apart from the adapter's on purpose: the fake models the provider. */
const RATIOS = new Set([
  '1:1',
  '2:3',
  '3:2',
  '3:4',
  '4:3',
  '4:5',
  '5:4',
  '9:16',
  '16:9',
  '21:9',
  '1:8',
  '8:1',
  '1:4',
  '4:1',
]);
const LONG_SIDE: Record<string, number> = { '512': 512, '1K': 1024, '2K': 2048, '4K': 4096 };

type GoogleError = { code: number; status: string; message: string; details?: unknown[] };

function sendError(res: ServerResponse, error: GoogleError): void {
  sendJson(res, error.code, { error: error });
}

/** Pixel size for an aspect ratio and Gemini's image size: the long side from the size, 16-px steps. */
export function geminiPixels(aspectRatio: string, imageSize: string): { width: number; height: number } {
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  const long = LONG_SIDE[imageSize] ?? 1024;
  const short = Math.max(16, Math.round((long * Math.min(w, h)) / Math.max(w, h) / 16) * 16);
  return w >= h ? { width: long, height: short } : { width: short, height: long };
}

export async function startGeminiFake(options: GeminiFakeOptions = {}): Promise<GeminiFake> {
  const apiKey = options.apiKey ?? 'fake-gemini-key';
  const models = options.models ?? ['gemini-3.1-flash-image', 'gemini-3-pro-image'];
  let images = 0;

  const server = await startFakeServer(async (request, res) => {
    const key = request.headers['x-goog-api-key'] ?? request.url.searchParams.get('key');
    if (key !== apiKey) {
      sendError(res, {
        code: key ? 400 : 403,
        status: key ? 'INVALID_ARGUMENT' : 'PERMISSION_DENIED',
        message: key
          ? 'API key not valid. Please pass a valid API key.'
          : "Method doesn't allow unregistered callers. Please use API Key or other form of API consumer identity.",
        ...(key
          ? {
              details: [
                {
                  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                  reason: 'API_KEY_INVALID',
                  domain: 'googleapis.com',
                },
              ],
            }
          : {}),
      });
      return;
    }
    if (request.method === 'GET' && request.path === '/v1beta/models') {
      sendJson(res, 200, {
        models: models.map((id) => ({
          name: `models/${id}`,
          supportedGenerationMethods: ['generateContent'],
        })),
      });
      return;
    }
    const match = /^\/v1beta\/models\/([^/:]+):(generateContent|predict)$/.exec(request.path);
    if (request.method !== 'POST' || !match) {
      sendError(res, {
        code: 404,
        status: 'NOT_FOUND',
        message: `Requested entity was not found: ${request.path}`,
      });
      return;
    }
    const [, model, method] = match as unknown as [string, string, string];
    const notFound = () =>
      sendError(res, {
        code: 404,
        status: 'NOT_FOUND',
        message: `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
      });
    const fault = request.takeFault(model);
    if (await request.stall(fault)) return;
    if (fault && answerFault(res, fault)) return;
    if (method === 'predict' || !models.includes(model)) {
      notFound();
      return;
    }
    let body: {
      contents?: { parts?: { text?: string; inlineData?: { mimeType?: string; data?: string } }[] }[];
      generationConfig?: {
        responseModalities?: string[];
        imageConfig?: { aspectRatio?: string; imageSize?: string };
      };
    };
    try {
      body = JSON.parse(request.body.toString('utf8')) as typeof body;
    } catch {
      sendError(res, { code: 400, status: 'INVALID_ARGUMENT', message: 'Invalid JSON payload received.' });
      return;
    }
    const parts = body.contents?.flatMap((content) => content.parts ?? []) ?? [];
    const text = parts
      .map((part) => part.text ?? '')
      .join(' ')
      .trim();
    if (!text) {
      sendError(res, {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: '* GenerateContentRequest.contents: contents is not specified',
      });
      return;
    }
    const config = body.generationConfig ?? {};
    if (!config.responseModalities?.includes('IMAGE')) {
      // A text-only answer: what the real API does without IMAGE in responseModalities.
      sendJson(res, 200, {
        candidates: [
          { content: { role: 'model', parts: [{ text: 'Here is a description.' }] }, finishReason: 'STOP' },
        ],
      });
      return;
    }
    const aspectRatio = config.imageConfig?.aspectRatio ?? '1:1';
    const imageSize = config.imageConfig?.imageSize ?? '1K';
    if (!RATIOS.has(aspectRatio) || !(imageSize in LONG_SIDE)) {
      sendError(res, {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: `Unsupported image config ${aspectRatio} ${imageSize}.`,
      });
      return;
    }
    if (fault?.kind === 'invalid_json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"candidates": [');
      return;
    }
    images++;
    const { width, height } = geminiPixels(aspectRatio, imageSize);
    const bytes =
      fault?.kind === 'bad_image'
        ? Buffer.from('<html>not an image</html>')
        : await sharp({
            create: { width, height, channels: 3, background: { r: (images * 71) % 256, g: 120, b: 200 } },
          })
            .png()
            .toBuffer();
    const imagePart = { inlineData: { mimeType: 'image/png', data: bytes.toString('base64') } };
    sendJson(
      res,
      200,
      fault?.kind === 'wrong_shape'
        ? { candidates: 'none' }
        : {
            candidates: [
              {
                content: { role: 'model', parts: [{ text: 'Here you go.' }, imagePart] },
                finishReason: 'STOP',
                index: 0,
              },
            ],
            usageMetadata: {
              promptTokenCount: Math.ceil(text.length / 4),
              candidatesTokenCount: 1290,
              totalTokenCount: Math.ceil(text.length / 4) + 1290,
              candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1290 }],
            },
            modelVersion: model,
            responseId: server.nextId('resp'),
          },
    );
  });
  return Object.assign(server, { baseUrl: `${server.origin}/v1beta`, apiKey });
}

/** Failures in Google's shape; safety blocks are 200 answers without an image. */
function answerFault(res: ServerResponse, fault: QueuedFault): boolean {
  switch (fault.kind) {
    case 'unauthorized':
      sendError(res, {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: 'API key not valid. Please pass a valid API key.',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' }],
      });
      return true;
    case 'rate_limited':
    case 'quota':
      sendError(res, {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: 'You exceeded your current quota, please check your plan and billing details.',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.RetryInfo',
            retryDelay:
              fault.retryAfterSeconds !== undefined ? `${fault.retryAfterSeconds}s` : (fault.variant ?? '0s'),
          },
        ],
      });
      return true;
    case 'server_error':
      sendError(res, { code: 500, status: 'INTERNAL', message: 'An internal error has occurred.' });
      return true;
    case 'overloaded':
      sendError(res, {
        code: 503,
        status: 'UNAVAILABLE',
        message: 'The model is overloaded. Please try again later.',
      });
      return true;
    case 'retired_model':
      sendError(res, {
        code: 404,
        status: 'NOT_FOUND',
        message: 'models/x is not found for API version v1beta.',
      });
      return true;
    case 'invalid_request':
      sendError(res, {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: 'Request contains an invalid argument.',
      });
      return true;
    case 'content_policy': {
      const reason = fault.variant ?? 'IMAGE_SAFETY';
      sendJson(
        res,
        200,
        reason === 'blockReason'
          ? {
              promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
              usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 },
            }
          : { candidates: [{ content: { role: 'model', parts: [] }, finishReason: reason, index: 0 }] },
      );
      return true;
    }
    default:
      return false;
  }
}
