/**
 * fal webhook verification: the signature scheme, the timestamp window, the
 * JWKS cache (and its refresh on an unknown signature), and a delivery end
 * to end from the fake to a small local receiver, replay included.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFalFake, type FalFake } from '../../../../tests/fakes/fal';
import { createFalWebhookVerifier, type FalWebhookVerification } from './fal-webhook';

let fake: FalFake;
beforeAll(async () => {
  fake = await startFalFake();
});
afterAll(() => fake.close());

const REQUEST_ID = '764cabcf-b745-4b3e-ae38-1200304cf45b';
const body = JSON.stringify({
  request_id: REQUEST_ID,
  gateway_request_id: REQUEST_ID,
  status: 'OK',
  payload: { images: [{ url: 'https://v3.fal.media/files/x.png' }], seed: 7 },
});
const jwksFetches = () => fake.requests.filter((r) => r.path === '/rest/.well-known/jwks.json').length;

describe('fal webhook verifier', () => {
  it('accepts a delivery signed by a JWKS key, and hands back the parsed body', async () => {
    const verifier = createFalWebhookVerifier({ jwksUrl: fake.jwksUrl });
    const verdict = await verifier.verify(fake.signWebhook(body, REQUEST_ID), Buffer.from(body));
    expect(verdict).toEqual({ ok: true, requestId: REQUEST_ID, payload: JSON.parse(body) as unknown });
    const asHeaders = await verifier.verify(new Headers(fake.signWebhook(body, REQUEST_ID)), body);
    expect(asHeaders.ok).toBe(true);
  });

  it('refuses a tampered body, a key outside the JWKS and a timestamp outside ±300 s', async () => {
    const verifier = createFalWebhookVerifier({ jwksUrl: fake.jwksUrl });
    const headers = fake.signWebhook(body, REQUEST_ID);
    expect(await verifier.verify(headers, body.replace('"seed":7', '"seed":8'))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(await verifier.verify(fake.signWebhook(body, REQUEST_ID, { key: 'rogue' }), body)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    const now = Math.floor(Date.now() / 1000);
    for (const timestampSeconds of [now - 301, now + 301]) {
      expect(await verifier.verify(fake.signWebhook(body, REQUEST_ID, { timestampSeconds }), body)).toEqual({
        ok: false,
        reason: 'stale_timestamp',
      });
    }
    expect(
      (await verifier.verify(fake.signWebhook(body, REQUEST_ID, { timestampSeconds: now - 299 }), body)).ok,
    ).toBe(true);
  });

  it('refuses missing headers, a body that is not fal’s, and a body for another request', async () => {
    const verifier = createFalWebhookVerifier({ jwksUrl: fake.jwksUrl });
    const { 'x-fal-webhook-user-id': _user, ...withoutUser } = fake.signWebhook(body, REQUEST_ID);
    expect(await verifier.verify(withoutUser, body)).toEqual({ ok: false, reason: 'missing_headers' });
    const notFal = '{"hello":"world"}';
    expect(await verifier.verify(fake.signWebhook(notFal, REQUEST_ID), notFal)).toEqual({
      ok: false,
      reason: 'malformed_body',
    });
    expect(await verifier.verify(fake.signWebhook(body, 'another-request'), body)).toEqual({
      ok: false,
      reason: 'request_id_mismatch',
    });
  });

  it('fetches the JWKS once and reuses it until the cache expires', async () => {
    let now = Date.now();
    const verifier = createFalWebhookVerifier({ jwksUrl: fake.jwksUrl, cacheTtlMs: 60_000, now: () => now });
    const before = jwksFetches();
    await Promise.all([1, 2, 3].map(() => verifier.verify(fake.signWebhook(body, REQUEST_ID), body)));
    expect(jwksFetches()).toBe(before + 1);
    now += 61_000;
    const later = await verifier.verify(
      fake.signWebhook(body, REQUEST_ID, { timestampSeconds: Math.floor(now / 1000) }),
      body,
    );
    expect(later.ok).toBe(true);
    expect(jwksFetches()).toBe(before + 2);
  });

  it('picks up a rotated key on a miss, but not more than once a minute', async () => {
    const old = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    let served = 0;
    const rotating: typeof fetch = async (input, init) => {
      served += 1;
      if (served === 1) return Response.json({ keys: [old] });
      return fetch(input, init);
    };
    let now = Date.now();
    const verifier = createFalWebhookVerifier({ jwksUrl: fake.jwksUrl, fetch: rotating, now: () => now });
    const sign = () => fake.signWebhook(body, REQUEST_ID, { timestampSeconds: Math.floor(now / 1000) });
    expect(await verifier.verify(sign(), body)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(served).toBe(1);
    now += 61_000;
    expect((await verifier.verify(sign(), body)).ok).toBe(true);
    expect(served).toBe(2);
  });

  it('says so when the JWKS cannot be had', async () => {
    const verifier = createFalWebhookVerifier({ jwksUrl: `${fake.restBaseUrl}/no-such-jwks.json` });
    expect(await verifier.verify(fake.signWebhook(body, REQUEST_ID), body)).toEqual({
      ok: false,
      reason: 'jwks_unavailable',
    });
  });
});

describe('fal webhook delivery end to end', () => {
  let receiver: Server;
  let webhookUrl: string;
  const verdicts: FalWebhookVerification[] = [];
  const seen = new Set<string>();
  beforeAll(async () => {
    const verifier = createFalWebhookVerifier({ jwksUrl: fake.jwksUrl });
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void verifier.verify(req.headers, Buffer.concat(chunks)).then((verdict) => {
          verdicts.push(verdict);
          if (!verdict.ok) {
            res.writeHead(401).end();
            return;
          }
          // Idempotent on the request id: fal retries deliveries.
          const duplicate = seen.has(verdict.requestId);
          seen.add(verdict.requestId);
          res.writeHead(duplicate ? 208 : 200).end();
        });
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/fal`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  const submitWithWebhook = async () => {
    const response = await fetch(
      `${fake.queueBaseUrl}/fal-ai/flux/schnell?fal_webhook=${encodeURIComponent(webhookUrl)}`,
      {
        method: 'POST',
        headers: { authorization: `Key ${fake.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a red kite' }),
      },
    );
    const { request_id } = (await response.json()) as { request_id: string };
    await fake.finish(request_id);
    return request_id;
  };

  it('verifies the fake’s signed delivery, and recognises the replay as the same request', async () => {
    const requestId = await submitWithWebhook();
    const first = await fake.webhookFor(requestId);
    expect(first.status).toBe(200);
    expect(verdicts.at(-1)).toMatchObject({
      ok: true,
      requestId,
      payload: { status: 'OK', request_id: requestId },
    });
    const replay = await fake.redeliverWebhook(requestId);
    expect(replay.body).toBe(first.body);
    expect(replay.status).toBe(208);
    expect(verdicts.at(-1)).toMatchObject({ ok: true, requestId });
  });

  it.each([
    ['bad_signature', 'bad_signature'],
    ['unknown_key', 'bad_signature'],
    ['stale_timestamp', 'stale_timestamp'],
  ] as const)('refuses a delivery signed with %s', async (signing, reason) => {
    fake.webhookSigning = signing;
    try {
      const requestId = await submitWithWebhook();
      expect((await fake.webhookFor(requestId)).status).toBe(401);
      expect(verdicts.at(-1)).toEqual({ ok: false, reason });
    } finally {
      fake.webhookSigning = 'valid';
    }
  });
});
