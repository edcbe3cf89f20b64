/**
 * Webhook deliveries for the Stripe fake, signed the way Stripe signs them
 * (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the
 * whole `whsec_…` string as the key), and misbehaving on demand the way
 * Stripe's delivery does in life (reliability §3.2 S1–S6): duplicates, a
 * seeded reordering of a held batch, delays, retries with backoff after a
 * non-2xx answer, and forged (wrong secret) or stale signatures.
 */
import { createHmac } from 'node:crypto';
import { createRandom } from '../../../src/server/providers/local/random';

export type SignatureTamper = 'wrong_secret' | 'stale_timestamp' | 'future_timestamp';

export interface StripeDelivery {
  eventId: string;
  type: string;
  /** 1 for the first try, then 2, 3, … for retries of the same send. */
  attempt: number;
  timestamp: number;
  body: string;
  signature: string;
  /** The receiver's HTTP status, or 0 when it could not be reached. */
  status: number;
}

export interface SendOptions {
  tamper?: SignatureTamper;
  /** Waits this long before the first attempt. */
  delayMs?: number;
}

export interface ReleaseOptions {
  /** Sends every held event this many times (default 1). */
  copies?: number;
  /** Shuffles the batch (copies included) with this seed; in creation order otherwise. */
  seed?: number;
  /** How many sends run at once (default 1: one after the other). */
  concurrency?: number;
}

/** The same sequence for the same seed on every run: the platform's own mulberry32 (providers/local/random.ts). */
export function seededRandom(seed: number): () => number {
  const random = createRandom(seed);
  return () => random.next();
}

export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The `Stripe-Signature` header value for a body, exactly as Stripe computes it. */
export function stripeSignature(body: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

interface Hooks {
  /** The signing clock, in unix seconds (the wall clock, as the receiver's tolerance check expects). */
  nowSeconds(): number;
  /** Told when an event was acknowledged with a 2xx, for `pending_webhooks`. */
  delivered(eventId: string): void;
}

export class WebhookSender {
  endpoint: string | undefined;
  /** Held events wait for `release()` instead of being sent at once. */
  hold = false;
  /** Tries per send, the first included (Stripe keeps trying for days; tests need a bound). */
  maxAttempts = 3;
  /** The wait before retry n is `retryBaseMs * 2^(n-1)`. */
  retryBaseMs = 20;
  readonly deliveries: StripeDelivery[] = [];
  private readonly held: { id: string; type: string; body: string }[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly secret: string,
    private readonly hooks: Hooks,
  ) {}

  /** Called for each new event: sends it now, holds it, or does nothing without an endpoint. */
  emit(event: { id: string; type: string }, body: string): void {
    if (!this.endpoint) return;
    if (this.hold) this.held.push({ id: event.id, type: event.type, body });
    else void this.track(this.send(event.id, event.type, body));
  }

  /** Sends every held event (optionally duplicated, shuffled, concurrently) and resolves when all are answered. */
  async release(options: ReleaseOptions = {}): Promise<StripeDelivery[]> {
    const batch = this.held.splice(0).flatMap((e) => Array.from({ length: options.copies ?? 1 }, () => e));
    const ordered = options.seed === undefined ? batch : shuffle(batch, options.seed);
    const results: StripeDelivery[] = [];
    let next = 0;
    const worker = async () => {
      while (next < ordered.length) {
        const e = ordered[next++]!;
        results.push(await this.send(e.id, e.type, e.body));
      }
    };
    await this.track(Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker)));
    return results;
  }

  /** The ids of the events still held, in creation order. */
  heldIds(): string[] {
    return this.held.map((e) => e.id);
  }

  /** Sends one event (again), with its retries; resolves with the last attempt. */
  async send(
    eventId: string,
    type: string,
    body: string,
    options: SendOptions = {},
  ): Promise<StripeDelivery> {
    if (options.delayMs) await this.sleep(options.delayMs);
    let last: StripeDelivery | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(this.retryBaseMs * 2 ** (attempt - 2));
      last = await this.post(eventId, type, body, attempt, options.tamper);
      if (last.status >= 200 && last.status < 300) {
        this.hooks.delivered(eventId);
        break;
      }
    }
    return last!;
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async post(
    eventId: string,
    type: string,
    body: string,
    attempt: number,
    tamper: SignatureTamper | undefined,
  ): Promise<StripeDelivery> {
    const now = this.hooks.nowSeconds();
    // Stripe's libraries reject signatures older than 300 s by default; 10 minutes is well outside.
    const timestamp =
      tamper === 'stale_timestamp' ? now - 600 : tamper === 'future_timestamp' ? now + 600 : now;
    const secret = tamper === 'wrong_secret' ? 'whsec_not_the_endpoint_secret' : this.secret;
    const signature = stripeSignature(body, secret, timestamp);
    let status: number;
    try {
      const response = await fetch(this.endpoint!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signature,
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0;
    }
    const delivery = { eventId, type, attempt, timestamp, body, signature, status };
    this.deliveries.push(delivery);
    return delivery;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }
}
