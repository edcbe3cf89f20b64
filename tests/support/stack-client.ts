/**
 * A member of a running stack, over real HTTP: signs up (keeping the session
 * cookie), creates, reads, cancels and deletes generations, reads credits and
 * follows a generation's Server-Sent Events. Writes carry Origin = PUBLIC_URL,
 * as a browser on the site would send.
 *
 * Every response can be handed to an observer, so a test can scan what the
 * API ever answered (U7: no bucket URL, no object key).
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { GenerationView } from '../../src/server/generations/queries';
import { sleep } from './stack';

export type { GenerationView };

export const terminal = new Set(['succeeded', 'failed', 'canceled']);
export const isTerminal = (view: Pick<GenerationView, 'status'>) => terminal.has(view.status);

export interface CreateBody {
  prompt: string;
  modelId?: string;
  size?: string;
  n: number;
  seed?: number;
}

/** Sees every response (its URL, status, headers and body text when it is JSON). */
export type ResponseObserver = (seen: {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}) => void;

export class Member {
  readonly email: string;
  private readonly cookie: string;
  private readonly origin: string;
  /** Where requests go; another web process of the same stack serves the same member. */
  baseUrl: string;
  observer: ResponseObserver | undefined;

  private constructor(options: { baseUrl: string; origin: string; cookie: string; email: string }) {
    this.baseUrl = options.baseUrl;
    this.origin = options.origin;
    this.cookie = options.cookie;
    this.email = options.email;
  }

  static async signUp(baseUrl: string, publicUrl: string, tag = 'member'): Promise<Member> {
    const email = `${tag}-${randomBytes(6).toString('hex')}@example.test`;
    const response = await fetch(`${baseUrl}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { origin: publicUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Stack Member', email, password: 'correct horse battery staple' }),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${text}`);
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    if (!cookie) throw new Error('sign-up set no cookie');
    return new Member({ baseUrl, origin: publicUrl, cookie, email });
  }

  /** The same member (same session) talking to another web process. */
  via(baseUrl: string): Member {
    const other = new Member({ baseUrl, origin: this.origin, cookie: this.cookie, email: this.email });
    other.observer = this.observer;
    return other;
  }

  async request(
    method: string,
    target: string,
    options: { json?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<{ status: number; headers: Headers; body: string; json: <T>() => T }> {
    const headers: Record<string, string> = { cookie: this.cookie, ...options.headers };
    if (method !== 'GET' && method !== 'HEAD') headers.origin = this.origin;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const url = `${this.baseUrl}${target}`;
    const response = await fetch(url, {
      method,
      headers,
      ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    const body = isJson ? await response.text() : '';
    if (!isJson) await response.body?.cancel();
    this.observer?.({ url, status: response.status, headers: response.headers, body });
    return { status: response.status, headers: response.headers, body, json: <T>() => JSON.parse(body) as T };
  }

  async create(body: CreateBody): Promise<{ status: number; id?: string; cost?: number; body: string }> {
    const response = await this.request('POST', '/api/generations', {
      json: { modelId: 'local-preview', size: '512x512', ...body },
    });
    if (response.status !== 202) return { status: response.status, body: response.body };
    const accepted = response.json<{ id: string; cost: number }>();
    return { status: 202, id: accepted.id, cost: accepted.cost, body: response.body };
  }

  async createOrThrow(body: CreateBody): Promise<{ id: string; cost: number }> {
    const result = await this.create(body);
    if (result.status !== 202) throw new Error(`generation refused: ${result.status} ${result.body}`);
    return { id: result.id!, cost: result.cost! };
  }

  async generation(id: string): Promise<GenerationView> {
    const response = await this.request('GET', `/api/generations/${id}`);
    if (response.status !== 200) throw new Error(`GET generation ${id}: ${response.status} ${response.body}`);
    return response.json<GenerationView>();
  }

  /** The member's newest generations (at most 100, the API's page limit). */
  async list(): Promise<GenerationView[]> {
    const response = await this.request('GET', '/api/generations?limit=100');
    if (response.status !== 200) throw new Error(`GET generations: ${response.status} ${response.body}`);
    return response.json<{ items: GenerationView[] }>().items;
  }

  async credits(): Promise<{ available: number; held: number }> {
    const response = await this.request('GET', '/api/credits');
    if (response.status !== 200) throw new Error(`GET credits: ${response.status} ${response.body}`);
    return response.json<{ available: number; held: number }>();
  }

  cancel(id: string) {
    return this.request('POST', `/api/generations/${id}/cancel`);
  }

  delete(id: string) {
    return this.request('DELETE', `/api/generations/${id}`);
  }

  /** Uploads an image file as a reference image (`POST /api/uploads`, raw body); answers its id. */
  async upload(bytes: Uint8Array<ArrayBuffer>, name = 'reference.png'): Promise<string> {
    const response = await fetch(`${this.baseUrl}/api/uploads?name=${encodeURIComponent(name)}`, {
      method: 'POST',
      headers: { cookie: this.cookie, origin: this.origin, 'content-type': 'application/octet-stream' },
      body: bytes,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${text}`);
    return (JSON.parse(text) as { id: string }).id;
  }

  /** GETs an image (original or thumbnail) and answers its status and headers; the bytes are dropped. */
  async image(url: string): Promise<{ status: number; headers: Headers; bytes: number }> {
    const response = await fetch(`${this.baseUrl}${url}`, {
      headers: { cookie: this.cookie },
      signal: AbortSignal.timeout(15_000),
    });
    const bytes = (await response.arrayBuffer()).byteLength;
    this.observer?.({
      url: `${this.baseUrl}${url}`,
      status: response.status,
      headers: response.headers,
      body: '',
    });
    return { status: response.status, headers: response.headers, bytes };
  }

  /**
   * GETs a generated image's thumbnail once it is made: it follows the
   * generation's success by a few milliseconds, and until then the route
   * serves the original in its place (`private, no-cache`). Polls for at most
   * `timeoutMs` and answers the last response.
   */
  async thumbnail(
    url: string,
    timeoutMs = 10_000,
  ): Promise<{ status: number; headers: Headers; bytes: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await this.image(url);
      if (response.headers.get('content-type') === 'image/webp' || Date.now() > deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * A POST whose body arrives late: the headers and half the body are sent at
   * once, the rest when `release` resolves. The request is in flight all
   * that time (Q5: a shutdown must let it finish).
   */
  slowPost(target: string, json: unknown, release: Promise<void>): Promise<{ status: number; body: string }> {
    const body = Buffer.from(JSON.stringify(json));
    const url = new URL(`${this.baseUrl}${target}`);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            cookie: this.cookie,
            origin: this.origin,
            'content-type': 'application/json',
            'content-length': String(body.length),
          },
          timeout: 30_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('slow POST timed out')));
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      release.then(
        () => req.end(body.subarray(half)),
        (error: unknown) => req.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  /**
   * Polls until the generation is finished, riding out refused connections
   * (a process being restarted); throws after `timeoutMs`.
   */
  async waitFinished(id: string, timeoutMs: number): Promise<GenerationView> {
    const deadline = Date.now() + timeoutMs;
    let last: GenerationView | undefined;
    while (Date.now() < deadline) {
      try {
        last = await this.generation(id);
        if (isTerminal(last)) return last;
      } catch {
        // a restart or a refused connection: try again
      }
      await sleep(250);
    }
    throw new Error(
      `generation ${id} not finished after ${timeoutMs} ms (last: ${last?.status ?? 'unread'})`,
    );
  }

  /**
   * Opens the generation's event stream and returns its events as they come,
   * and a promise of how the stream ended ('ended' by the server, or 'error').
   */
  async events(id: string): Promise<EventStream> {
    const controller = new AbortController();
    const response = await fetch(`${this.baseUrl}/api/generations/${id}/events`, {
      headers: { cookie: this.cookie, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (response.status !== 200 || !response.body) {
      throw new Error(`events of ${id}: ${response.status} ${await response.text()}`);
    }
    const events: GenerationView[] = [];
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const done = (async (): Promise<'ended' | 'error'> => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done: finished } = await reader.read();
          if (finished) return 'ended';
          buffer += value;
          let split: number;
          while ((split = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, split);
            buffer = buffer.slice(split + 2);
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (block.includes('event: generation') && data)
              events.push(JSON.parse(data.slice(6)) as GenerationView);
          }
        }
      } catch {
        return 'error';
      }
    })();
    return { events, done, close: () => controller.abort() };
  }
}

export interface EventStream {
  /** Every `generation` event so far, in order. */
  events: GenerationView[];
  done: Promise<'ended' | 'error'>;
  close(): void;
}

/** Signs `count` members up, a few at a time. */
export async function signUpMembers(baseUrl: string, publicUrl: string, count: number): Promise<Member[]> {
  const members: Member[] = [];
  for (let i = 0; i < count; i += 4) {
    const batch = Math.min(4, count - i);
    members.push(
      ...(await Promise.all(Array.from({ length: batch }, () => Member.signUp(baseUrl, publicUrl)))),
    );
  }
  return members;
}
