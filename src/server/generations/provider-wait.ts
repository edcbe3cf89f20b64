/**
 * How the generation job waits on asynchronous providers (decision 018):
 * the webhook URL it offers them, and the waits between polls that a
 * verified webhook cuts short.
 */
import type { CatalogRoute } from '../catalog/list-models';
import type { GenerationDeps } from './types';

/** Adapters whose webhooks the platform verifies (webhooks/provider-webhooks.ts). */
const WEBHOOK_ADAPTERS = new Set(['replicate', 'fal']);

/**
 * Where a provider should post its completion webhook: only for the
 * adapters the platform can verify, and only when PUBLIC_URL is reachable
 * from outside (config.providerWebhooks); otherwise the adapter only polls.
 * The URL names the provider and the generation; the signature proves it.
 */
export function webhookUrlFor(
  deps: Pick<GenerationDeps, 'config'>,
  route: CatalogRoute,
  generationId: string,
): string | undefined {
  if (!deps.config.providerWebhooks || !WEBHOOK_ADAPTERS.has(route.provider.adapter)) return undefined;
  return `${deps.config.publicUrl}/api/webhooks/providers/${route.provider.id}/${generationId}`;
}

export interface Nudges {
  /** Resolves after `ms`, or at once when woken since the last sleep; rejects when `signal` fires. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  wake(): void;
}

/**
 * The waits of an asynchronous provider's polling loop, cut short by
 * webhooks. A wake that comes while the adapter is polling (not sleeping)
 * is kept, so its next sleep returns at once: a webhook is never lost
 * between two polls.
 */
export function createNudges(): Nudges {
  let woken = false;
  let waiting: (() => void) | undefined;
  return {
    wake() {
      if (waiting) waiting();
      else woken = true;
    },
    sleep(ms, signal) {
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', aborted);
          waiting = undefined;
        };
        const timer = setTimeout(() => {
          done();
          resolve();
        }, ms);
        const aborted = () => {
          done();
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', aborted, { once: true });
        waiting = () => {
          done();
          resolve();
        };
      });
    },
  };
}
