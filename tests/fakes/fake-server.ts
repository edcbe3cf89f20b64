/**
 * What every provider fake shares (../shared/docs/providers.md §7.0): an HTTP
 * server on 127.0.0.1 at a random port, image files served from its own
 * origin, outcomes queued by the test for the next matching requests, a log
 * of every request, deterministic ids, and configurable latency. Each fake
 * (openai.ts, …) adds its provider's paths, auth check, validation and error
 * shapes on top; the adapters under test only ever see a base URL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AddressInfo } from 'node:net';

/** Failures every provider can be asked for; each fake answers them in its provider's wire shape. */
export type FaultKind =
  | 'unauthorized'
  | 'rate_limited'
  | 'quota'
  | 'server_error'
  | 'overloaded'
  | 'content_policy'
  | 'retired_model'
  /** Never answers; the connection stays open until the client gives up. */
  | 'hang'
  /** Waits `delayMs` before sending the status line, then answers normally. */
  | 'slow_headers'
  | 'invalid_json'
  | 'wrong_shape'
  /** A well-formed answer whose image bytes are not an image. */
  | 'bad_image'
  /** A 400 for a request the provider refuses as such (permanent: never worth retrying). */
  | 'invalid_request';

export interface QueuedFault {
  kind: FaultKind;
  /** A provider-specific flavour of the fault (e.g. OpenAI's content policy with moderation details). */
  variant?: string;
  /** Only requests to this path (exact) or for this model take it. */
  path?: string;
  model?: string;
  /** How many matching requests take it (default 1). */
  times?: number;
  delayMs?: number;
  /** With `rate_limited`: the wait the provider asks for (each fake's default otherwise). */
  retryAfterSeconds?: number;
}

/** What a fault plan sees of a request: enough to key faults by prompt or model. */
export interface FaultCall {
  path: string;
  model: string | undefined;
  body: Buffer;
}

export interface LoggedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body bytes (JSON, multipart, …). */
  body: Buffer;
}

export interface FakeRequest extends LoggedRequest {
  url: URL;
  /** The fault queued for this request, if any (taken from the queue once; later calls return it again). */
  takeFault(model?: string): QueuedFault | undefined;
  /**
   * Applies a timing fault: waits out `slow_headers`; for `hang`, waits until
   * the client gives up and returns true (the handler must not answer).
   */
  stall(fault: QueuedFault | undefined): Promise<boolean>;
}

export type FakeHandler = (request: FakeRequest, response: ServerResponse) => Promise<void>;

export interface FakeServer {
  /** scheme://host:port of the fake; file URLs it hands out use it too. */
  readonly origin: string;
  readonly requests: LoggedRequest[];
  /** Queues a fault for the next matching request(s). */
  fail(fault: QueuedFault): void;
  /** Stores bytes to serve at `<origin>/__files/<id>`; returns the absolute URL. */
  addFile(bytes: Uint8Array, contentType: string): string;
  /** Makes every stored file answer 404 from now on (a provider's expired result URL). */
  expireFiles(): void;
  /** The next id with this prefix: prefix-1, prefix-2, … (deterministic). */
  nextId(prefix: string): string;
  /** Latency added before every answer. */
  latencyMs: number;
  /**
   * A fault plan consulted before the queue, for every request that looks
   * for a fault: tests that seed faults per generation (reliability Q2) key
   * them by the request's content.
   */
  decide: ((call: FaultCall) => QueuedFault | undefined) | undefined;
  close(): Promise<void>;
}

/**
 * The port the next fake started inside `withFakePort` listens on. Carried
 * through the async context rather than an option so that every fake gets a
 * fixed port (`npm run dev:fakes -- --port-base`) without each fake's own
 * options having to pass it along; outside it, fakes take a random port.
 */
const fixedPort = new AsyncLocalStorage<number>();

/** Runs `start` (which starts one fake) with that fake listening on `port`. */
export function withFakePort<T>(port: number, start: () => Promise<T>): Promise<T> {
  return fixedPort.run(port, start);
}

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const requests: LoggedRequest[] = [];
  const faults: (QueuedFault & { left: number })[] = [];
  const files = new Map<string, { bytes: Uint8Array; contentType: string }>();
  const counters = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  let filesExpired = false;

  const take = (path: string, model?: string) => {
    const index = faults.findIndex(
      (f) => (f.path === undefined || f.path === path) && (f.model === undefined || f.model === model),
    );
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.left -= 1;
    if (fault.left <= 0) faults.splice(index, 1);
    return fault;
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', fake.origin);
      const logged: LoggedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        headers: { ...req.headers },
        body: Buffer.concat(chunks),
      };
      requests.push(logged);
      void (async () => {
        if (fake.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.latencyMs));
        if (url.pathname.startsWith('/__files/')) {
          const file = filesExpired ? undefined : files.get(url.pathname.slice('/__files/'.length));
          if (!file) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
            return;
          }
          res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.byteLength });
          res.end(file.bytes);
          return;
        }
        let taken: QueuedFault | undefined;
        let looked = false;
        const request: FakeRequest = {
          ...logged,
          url,
          takeFault: (model) => {
            if (!looked) {
              taken =
                fake.decide?.({ path: url.pathname, model, body: logged.body }) ?? take(url.pathname, model);
            }
            looked = true;
            return taken;
          },
          async stall(fault) {
            if (fault?.kind === 'slow_headers') {
              await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 1_000));
            }
            if (fault?.kind !== 'hang') return false;
            hanging.add(res);
            await new Promise<void>((resolve) => res.once('close', () => resolve()));
            hanging.delete(res);
            return true;
          },
        };
        await handler(request, res);
      })().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
  });
  const wantedPort = fixedPort.getStore() ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wantedPort, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const fake: FakeServer = {
    origin: `http://127.0.0.1:${port}`,
    requests,
    latencyMs: 0,
    decide: undefined,
    fail(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    addFile(bytes, contentType) {
      const id = fake.nextId('file');
      files.set(id, { bytes, contentType });
      return `${fake.origin}/__files/${id}`;
    },
    expireFiles() {
      filesExpired = true;
    },
    nextId(prefix) {
      const next = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, next);
      return `${prefix}-${next}`;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** Sends JSON with the given status and headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}
