/**
 * The webhook verifier: Replicate's Svix-style signatures, replay window and
 * payload, by unit tests on hand-signed deliveries and end to end with the
 * fake posting real deliveries to a small local server.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicateFake, type ReplicateFake } from '../../../../tests/fakes/replicate';
import { verifyReplicateWebhook, type WebhookVerification } from './replicate-webhook';

const secret = `whsec_${Buffer.from('a 32-byte signing key for tests!').toString('base64')}`;
const otherSecret = `whsec_${Buffer.from('some other key, not the right 1').toString('base64')}`;
const now = new Date('2026-11-28T12:00:00Z');
const timestamp = Math.floor(now.getTime() / 1000);
const body = JSON.stringify({
  id: 'pred-abc',
  status: 'succeeded',
  output: ['https://replicate.delivery/x/out-0.png'],
  error: null,
  urls: { get: 'https://api.replicate.com/v1/predictions/pred-abc' },
});

function sign(key: string, id: string, at: number, payload: string): string {
  const bytes = Buffer.from(key.slice('whsec_'.length), 'base64');
  return createHmac('sha256', bytes).update(`${id}.${at}.${payload}`).digest('base64');
}

function headers(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'webhook-id': 'msg_1',
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${sign(secret, 'msg_1', timestamp, body)}`,
    ...overrides,
  };
}

const verify = (options: Partial<Parameters<typeof verifyReplicateWebhook>[0]> = {}) =>
  verifyReplicateWebhook({ headers: headers(), rawBody: body, secret, now, ...options });

describe('verifyReplicateWebhook', () => {
  it('accepts a correctly signed delivery and returns its id and prediction', () => {
    const result = verify();
    expect(result).toMatchObject({ ok: true, id: 'msg_1', timestamp });
    expect(result.ok && result.prediction).toMatchObject({
      id: 'pred-abc',
      status: 'succeeded',
      output: ['https://replicate.delivery/x/out-0.png'],
    });
  });

  it('takes fetch Headers and a byte body as well', () => {
    const result = verify({ headers: new Headers(headers()), rawBody: new TextEncoder().encode(body) });
    expect(result.ok).toBe(true);
  });

  it('refuses a tampered body and a body signed with another secret', () => {
    expect(verify({ rawBody: body.replace('succeeded', 'failed') })).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
    expect(verify({ secret: otherSecret })).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('refuses a timestamp outside the tolerance, either way, even when correctly signed', () => {
    const old = timestamp - 301;
    const late = headers({
      'webhook-timestamp': String(old),
      'webhook-signature': `v1,${sign(secret, 'msg_1', old, body)}`,
    });
    expect(verify({ headers: late })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verify({ headers: late, toleranceSeconds: 600 }).ok).toBe(true);
    const future = timestamp + 301;
    const early = headers({
      'webhook-timestamp': String(future),
      'webhook-signature': `v1,${sign(secret, 'msg_1', future, body)}`,
    });
    expect(verify({ headers: early })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('accepts when any of several space-separated signatures matches (secret rotation)', () => {
    const good = sign(secret, 'msg_1', timestamp, body);
    const bad = sign(otherSecret, 'msg_1', timestamp, body);
    expect(verify({ headers: headers({ 'webhook-signature': `v1,${bad} v1,${good}` }) }).ok).toBe(true);
    expect(verify({ headers: headers({ 'webhook-signature': `v1,${bad} v2,${good}` }) })).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
  });

  it('refuses missing headers, a malformed timestamp, a bad secret and a payload that is not a prediction', () => {
    const { 'webhook-id': _id, ...noId } = headers();
    expect(verify({ headers: noId })).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verify({ headers: headers({ 'webhook-timestamp': '12e3' }) })).toEqual({
      ok: false,
      reason: 'invalid_timestamp',
    });
    expect(verify({ secret: 'whsec_' })).toEqual({ ok: false, reason: 'invalid_secret' });
    const notPrediction = '{"hello":"world"}';
    expect(
      verify({
        rawBody: notPrediction,
        headers: headers({ 'webhook-signature': `v1,${sign(secret, 'msg_1', timestamp, notPrediction)}` }),
      }),
    ).toEqual({ ok: false, reason: 'invalid_payload' });
  });
});

describe('verifyReplicateWebhook against the fake', () => {
  let fake: ReplicateFake;
  let receiver: Server;
  let receiverUrl: string;
  let webhookKey = '';
  const results: WebhookVerification[] = [];

  beforeAll(async () => {
    fake = await startReplicateFake();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const result = verifyReplicateWebhook({
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
          secret: webhookKey,
        });
        results.push(result);
        res.writeHead(result.ok ? 204 : 401).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/replicate`;
    const response = await fetch(`${fake.baseUrl}/webhooks/default/secret`, {
      headers: { authorization: `Bearer ${fake.apiToken}` },
    });
    webhookKey = ((await response.json()) as { key: string }).key;
  });
  afterAll(async () => {
    await fake.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('accepts the fake’s delivery, sees a duplicate by its id, and refuses late or forged copies', async () => {
    fake.script({ completeAfterMs: 10 });
    const created = await fetch(`${fake.baseUrl}/models/black-forest-labs/flux-schnell/predictions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        input: { prompt: 'a kite' },
        webhook: receiverUrl,
        webhook_events_filter: ['completed'],
      }),
    });
    const { id } = (await created.json()) as { id: string };
    await expect.poll(() => fake.deliveries.length, { timeout: 5_000 }).toBe(1);
    const delivery = fake.deliveries[0]!;
    expect(delivery.status).toBe(204);
    const first = results[0];
    expect(first?.ok && first.prediction).toMatchObject({ id, status: 'succeeded' });

    const duplicate = await fake.redeliver(delivery.webhookId);
    expect(duplicate.status).toBe(204);
    const seen = results.filter((r) => r.ok).map((r) => (r.ok ? r.id : ''));
    expect(seen).toEqual([delivery.webhookId, delivery.webhookId]);

    expect((await fake.redeliver(delivery.webhookId, 'stale_timestamp')).status).toBe(401);
    expect((await fake.redeliver(delivery.webhookId, 'bad_signature')).status).toBe(401);
    expect(results.slice(-2)).toEqual([
      { ok: false, reason: 'stale_timestamp' },
      { ok: false, reason: 'invalid_signature' },
    ]);
  });
});
