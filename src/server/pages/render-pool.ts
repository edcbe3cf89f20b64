/**
 * Renders pages on worker threads, so page rendering uses every core while
 * the main thread keeps HTTP, the database (PGlite allows one owner) and the
 * cheap responses (assets, prerendered pages, the API).
 *
 * Each job goes to the least busy worker. A worker asks the main thread for
 * what needs the database (the session) by message. A worker that dies or
 * does not answer in time fails its jobs (the caller then renders on the main
 * thread) and is replaced.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { PageSession } from './page-session';
import type { FromWorker, RenderJob, ToWorker } from './render-protocol';

/** What to render: the job the worker receives, less the pool's own fields. */
export type RenderRequest = Omit<RenderJob, 'type' | 'id'>;

/** A rendered page: status, headers as pairs (Set-Cookie may repeat), body bytes. */
export interface RenderedPage {
  status: number;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer> | null;
}

interface Pending {
  resolve: (page: RenderedPage) => void;
  reject: (error: Error) => void;
  headers: [string, string][];
  timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

export interface RenderPoolOptions {
  size: number;
  workerFile: string;
  serverBuildFile: string;
  getSession: (headers: Headers) => Promise<PageSession | null>;
  logger: Logger;
  /** A render that takes longer fails (React's own abort is at 11 s). */
  timeoutMs?: number;
}

export class RenderPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closing = false;

  constructor(private readonly options: RenderPoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.workerFile, {
      workerData: { serverBuildFile: this.options.serverBuildFile },
    });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    worker.on('error', (error: Error) => {
      this.options.logger.error({ err: error }, 'render worker failed');
      this.replace(slot, error);
    });
    worker.on('exit', (code) => {
      if (!this.closing) {
        this.options.logger.error({ code }, 'render worker exited');
        this.replace(slot, new Error(`render worker exited with code ${code}`));
      }
    });
    return slot;
  }

  private replace(slot: Slot, error: Error) {
    for (const [, job] of slot.pending) {
      clearTimeout(job.timer);
      job.reject(error);
    }
    slot.pending.clear();
    const index = this.slots.indexOf(slot);
    if (index === -1 || this.closing) return;
    void slot.worker.terminate();
    this.slots[index] = this.spawn();
  }

  private onMessage(slot: Slot, message: FromWorker) {
    if (message.type === 'ready') return;
    const job = slot.pending.get(message.id);
    if (!job) return;
    if (message.type === 'getSession') {
      this.options.getSession(new Headers(job.headers)).then(
        (session) => this.post(slot, { type: 'session', id: message.id, session }),
        (error: unknown) =>
          this.post(slot, {
            type: 'session',
            id: message.id,
            session: null,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
      return;
    }
    slot.pending.delete(message.id);
    clearTimeout(job.timer);
    if (message.type === 'failed') {
      job.reject(new Error(message.message));
      return;
    }
    job.resolve({
      status: message.status,
      headers: message.headers,
      body: message.body ? new Uint8Array(message.body) : null,
    });
  }

  private post(slot: Slot, message: ToWorker) {
    slot.worker.postMessage(message);
  }

  render(request: RenderRequest): Promise<RenderedPage> {
    if (this.closing || this.slots.length === 0) return Promise.reject(new Error('render pool closed'));
    let slot = this.slots[0]!;
    for (const candidate of this.slots) if (candidate.pending.size < slot.pending.size) slot = candidate;
    const id = this.nextId++;
    const job: RenderJob = {
      type: 'render',
      id,
      url: request.url,
      method: request.method,
      headers: request.headers,
      nonce: request.nonce,
      secureCookies: request.secureCookies,
      sessionCookie: request.sessionCookie,
    };
    return new Promise<RenderedPage>((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.pending.delete(id);
        reject(new Error('render timed out'));
      }, this.options.timeoutMs ?? 15_000);
      slot.pending.set(id, { resolve, reject, headers: request.headers, timer });
      this.post(slot, job);
    });
  }

  /** Lets in-flight renders finish (bounded by their timeout), then stops the workers. */
  async close(): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + (this.options.timeoutMs ?? 15_000);
    while (this.slots.some((s) => s.pending.size > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
