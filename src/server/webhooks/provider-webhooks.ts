/**
 * Completion webhooks from asynchronous providers (Replicate, fal; issue 4,
 * part 5). A webhook only makes the wait shorter: it never settles anything
 * itself. Once its signature is verified and it matches the work stored on
 * its generation, the worker polling that work is told to poll now (a
 * `provider_update` notification, heard on every instance), and the worker's
 * one finishing transaction settles or refunds exactly once, whether the
 * webhook or the poll saw the result first. A lost webhook costs only time:
 * polling goes on regardless.
 *
 * Deliveries are at-least-once: each is remembered by provider and delivery
 * id, and a repeat is acknowledged without effect. Answers: 200 for
 * anything verified (even when it matches nothing any more, so the provider
 * stops retrying), 401 for a bad signature, 404 for an unknown provider or
 * generation path, 503 when the signing keys cannot be fetched right now
 * (the provider retries later).
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { ProviderSettings } from '../catalog/capabilities';
import type { Db } from '../db/client';
import { generations, providers, providerWebhookDeliveries, type StoredPendingWork } from '../db/schema';
import { announce } from '../generations/events';
import type { Logger } from '../log';
import type { ProviderEnvSettings } from '../providers/env';
import {
  createFalWebhookVerifier,
  FAL_JWKS_URL,
  type FalWebhookVerifier,
} from '../providers/fal/fal-webhook';
import type { ProviderRegistry } from '../providers/registry';
import { predictionIdsOf, REPLICATE_DEFAULT_BASE_URL } from '../providers/replicate/replicate-provider';
import { verifyReplicateWebhook } from '../providers/replicate/replicate-webhook';

export interface WebhookDeps {
  db: Db;
  registry: ProviderRegistry;
  env: Readonly<Record<string, ProviderEnvSettings>>;
  logger: Pick<Logger, 'info' | 'warn'>;
  fetch?: typeof fetch;
}

export interface WebhookDelivery {
  providerId: string;
  generationId: string;
  headers: Headers;
  rawBody: Uint8Array;
}

export interface WebhookAnswer {
  status: 200 | 401 | 404 | 503;
  /** For logs and tests: what became of the delivery. */
  outcome: 'woke' | 'duplicate' | 'stale' | 'rejected' | 'unknown' | 'unavailable';
}

/** What a verified delivery is about: its id for de-duplication and the provider's request id. */
interface Verified {
  deliveryId: string;
  requestId: string;
  matches(work: StoredPendingWork): boolean;
}

type Verification = { ok: true; verified: Verified } | { ok: false; answer: WebhookAnswer };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Replicate's signing secret changes only when the account rotates it; re-fetched after this long or a failed check. */
const SECRET_TTL_MS = 60 * 60 * 1000;

export interface WebhookReceiver {
  receive(delivery: WebhookDelivery): Promise<WebhookAnswer>;
}

export function createWebhookReceiver(deps: WebhookDeps): WebhookReceiver {
  const fetchImpl = deps.fetch ?? fetch;
  const falVerifiers = new Map<string, FalWebhookVerifier>();
  const replicateSecrets = new Map<string, { secret: string; fetchedAt: number }>();

  async function replicateSecret(provider: ProviderRef, refresh: boolean): Promise<string | undefined> {
    const configured = deps.env[provider.id]?.webhookSecret;
    if (configured) return configured;
    const cached = replicateSecrets.get(provider.id);
    if (cached && !refresh && Date.now() - cached.fetchedAt < SECRET_TTL_MS) return cached.secret;
    const settings = await deps.registry.settingsOf(provider);
    if (!settings.apiKey) return undefined;
    const base = settings.baseUrl ?? REPLICATE_DEFAULT_BASE_URL;
    const response = await fetchImpl(`${base}/webhooks/default/secret`, {
      headers: { authorization: `Bearer ${settings.apiKey}` },
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { key?: unknown };
    if (typeof body.key !== 'string') return undefined;
    replicateSecrets.set(provider.id, { secret: body.key, fetchedAt: Date.now() });
    return body.key;
  }

  async function verifyReplicate(provider: ProviderRef, delivery: WebhookDelivery): Promise<Verification> {
    for (const refresh of [false, true]) {
      let secret: string | undefined;
      try {
        secret = await replicateSecret(provider, refresh);
      } catch {
        secret = undefined;
      }
      if (!secret) return { ok: false, answer: { status: 503, outcome: 'unavailable' } };
      const result = verifyReplicateWebhook({ headers: delivery.headers, rawBody: delivery.rawBody, secret });
      if (result.ok) {
        const predictionId = result.prediction.id;
        return {
          ok: true,
          verified: {
            deliveryId: result.id,
            requestId: predictionId,
            matches: (work) => predictionIdsOf(work).includes(predictionId),
          },
        };
      }
      // A signature that fails with a cached secret may be a rotated secret: fetch it once more.
      if (result.reason !== 'invalid_signature' || deps.env[provider.id]?.webhookSecret) break;
    }
    return { ok: false, answer: { status: 401, outcome: 'rejected' } };
  }

  async function verifyFal(provider: ProviderRef, delivery: WebhookDelivery): Promise<Verification> {
    const jwksUrl = deps.env[provider.id]?.jwksUrl ?? FAL_JWKS_URL;
    let verifier = falVerifiers.get(jwksUrl);
    if (!verifier) {
      verifier = createFalWebhookVerifier({ jwksUrl, fetch: fetchImpl });
      falVerifiers.set(jwksUrl, verifier);
    }
    const result = await verifier.verify(delivery.headers, delivery.rawBody);
    if (!result.ok) {
      const unavailable = result.reason === 'jwks_unavailable';
      return {
        ok: false,
        answer: unavailable ? { status: 503, outcome: 'unavailable' } : { status: 401, outcome: 'rejected' },
      };
    }
    // fal posts one completion per request: the request id is the delivery's identity.
    return {
      ok: true,
      verified: {
        deliveryId: result.requestId,
        requestId: result.requestId,
        matches: (work) => work.requestId === result.requestId,
      },
    };
  }

  return {
    async receive(delivery) {
      if (!UUID.test(delivery.generationId)) return { status: 404, outcome: 'unknown' };
      const [row] = await deps.db
        .select({ id: providers.id, adapter: providers.adapter, settings: providers.settings })
        .from(providers)
        .where(eq(providers.id, delivery.providerId));
      if (!row) return { status: 404, outcome: 'unknown' };
      const provider: ProviderRef = {
        id: row.id,
        adapter: row.adapter,
        settings: row.settings,
      };
      const verification =
        row.adapter === 'replicate'
          ? await verifyReplicate(provider, delivery)
          : row.adapter === 'fal'
            ? await verifyFal(provider, delivery)
            : { ok: false as const, answer: { status: 404 as const, outcome: 'unknown' as const } };
      if (!verification.ok) {
        deps.logger.warn(
          {
            provider: delivery.providerId,
            generationId: delivery.generationId,
            outcome: verification.answer.outcome,
          },
          'provider webhook refused',
        );
        return verification.answer;
      }
      const { verified } = verification;
      const outcome = await deps.db.transaction(async (tx) => {
        const claimed = await tx
          .insert(providerWebhookDeliveries)
          .values({
            providerId: delivery.providerId,
            deliveryId: verified.deliveryId,
            requestId: verified.requestId,
          })
          .onConflictDoNothing()
          .returning({ deliveryId: providerWebhookDeliveries.deliveryId });
        if (claimed.length === 0) return 'duplicate' as const;
        const [generation] = await tx
          .select({
            id: generations.id,
            userId: generations.userId,
            status: generations.status,
            work: generations.pendingWork,
          })
          .from(generations)
          .where(
            and(
              eq(generations.id, delivery.generationId),
              inArray(generations.status, ['queued', 'running']),
            ),
          );
        if (!generation?.work || !verified.matches(generation.work)) return 'stale' as const;
        await announce(tx, {
          id: generation.id,
          userId: generation.userId,
          status: generation.status,
          kind: 'provider_update',
        });
        return 'woke' as const;
      });
      deps.logger.info(
        {
          provider: delivery.providerId,
          generationId: delivery.generationId,
          requestId: verified.requestId,
          outcome,
        },
        'provider webhook received',
      );
      return { status: 200, outcome };
    },
  };
}

interface ProviderRef {
  id: string;
  adapter: string;
  settings: ProviderSettings;
}
