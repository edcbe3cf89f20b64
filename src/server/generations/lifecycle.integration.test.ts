/**
 * Live status and cancel: the provider is slowed down (LOCAL_PROVIDER_LATENCY_MS)
 * so a generation can be watched while queued and running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { expectLedgerSound } from '../../../tests/support/ledger';
import type { GenerationView } from './queries';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ STARTER_CREDITS: '10', LOCAL_PROVIDER_LATENCY_MS: '1500' }, { workers: true });
});
afterAll(() => t.close());

async function member() {
  const { cookie } = await signUp(t);
  const get = (path: string, init: RequestInit = {}) => t.request(path, { ...init, headers: { cookie } });
  const post = (path: string, json?: unknown) =>
    t.request(path, { method: 'POST', headers: { cookie }, ...(json === undefined ? {} : { json }) });
  return { get, post };
}

/** Reads `event: generation` messages until the server ends the stream. */
async function readEvents(response: Response): Promise<GenerationView[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: generation'))
    .map(
      (block) =>
        JSON.parse(
          block
            .split('\n')
            .find((line) => line.startsWith('data: '))!
            .slice(6),
        ) as GenerationView,
    );
}

describe('live status', () => {
  it('streams queued/running → succeeded over SSE and ends the stream', async () => {
    const m = await member();
    const { id } = (await (
      await m.post('/api/generations', { prompt: 'waves', modelId: 'local-preview', size: '512x512', n: 1 })
    ).json()) as { id: string };
    const response = await m.get(`/api/generations/${id}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readEvents(response);
    const statuses = events.map((e) => e.status);
    expect(statuses[0]).toMatch(/queued|running/);
    expect(statuses).toContain('running');
    expect(statuses.at(-1)).toBe('succeeded');
    expect(events.at(-1)!.images).toHaveLength(1);
  });
});

describe('cancel', () => {
  it('cancels a running generation: refunded at once, the provider call aborted, no images kept', async () => {
    const m = await member();
    const { id } = (await (
      await m.post('/api/generations', {
        prompt: 'mountains',
        modelId: 'local-preview',
        size: '512x512',
        n: 2,
      })
    ).json()) as { id: string };
    await expect
      .poll(async () => ((await (await m.get(`/api/generations/${id}`)).json()) as GenerationView).status, {
        timeout: 5_000,
        interval: 20,
      })
      .toBe('running');
    const canceled = await m.post(`/api/generations/${id}/cancel`);
    expect(canceled.status).toBe(200);
    expect((await canceled.json()) as GenerationView).toMatchObject({
      status: 'canceled',
      charged: 0,
      errorCode: 'canceled',
    });
    expect(await (await m.get('/api/credits')).json()).toEqual({ available: 10, held: 0 });
    // The run ends without settling or storing anything.
    await new Promise((r) => setTimeout(r, 2_000));
    const after = (await (await m.get(`/api/generations/${id}`)).json()) as GenerationView;
    expect(after).toMatchObject({ status: 'canceled', images: [] });
    expect((await m.post(`/api/generations/${id}/cancel`)).status).toBe(409);
    await expectLedgerSound(t.database.db);
  });
});
