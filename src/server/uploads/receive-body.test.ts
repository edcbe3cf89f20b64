/**
 * The upload body reader on its own (reliability U2): the limit is counted
 * while the body streams, a declared length over it is refused unread, the
 * first bytes are checked early, and only so many bodies are received at
 * once. The API-level and real-socket checks are in
 * upload-limits.integration.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import {
  formatBytes,
  PREFIX_BYTES,
  receiveBody,
  UPLOAD_MEMORY_BUDGET,
  withReceiveSlot,
} from './receive-body';

/** A body of `total` bytes in `chunk`-sized pieces that records how much was pulled from it. */
function countingBody(total: number, chunk = 64 * 1024) {
  const state = { pulled: 0, canceled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= total) {
        controller.close();
        return;
      }
      const size = Math.min(chunk, total - state.pulled);
      state.pulled += size;
      controller.enqueue(new Uint8Array(size).fill(0xff));
    },
    cancel() {
      state.canceled = true;
    },
  });
  return { stream, state };
}

function request(body: ReadableStream<Uint8Array> | Uint8Array | null, headers: Record<string, string> = {}) {
  return new Request('http://test.local/api/uploads', {
    method: 'POST',
    body,
    headers,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const LIMIT = 1024 * 1024;

describe('receiveBody', () => {
  it('takes limit − 1 and exactly the limit, streamed or declared', async () => {
    for (const size of [LIMIT - 1, LIMIT]) {
      const streamed = countingBody(size);
      expect((await receiveBody(request(streamed.stream), { maxBytes: LIMIT })).length).toBe(size);
      const declared = await receiveBody(request(new Uint8Array(size), { 'content-length': String(size) }), {
        maxBytes: LIMIT,
      });
      expect(declared.length).toBe(size);
    }
  });

  it('refuses limit + 1 while streaming, reading no more than one chunk past the limit', async () => {
    const { stream, state } = countingBody(50 * LIMIT);
    const error = await refusal(receiveBody(request(stream), { maxBytes: LIMIT }));
    expect([error.code, error.status]).toEqual(['payload_too_large', 413]);
    expect(error.fields).toEqual([
      { field: 'file', message: 'validation.uploadTooLarge', vars: { max: '1 MB' } },
    ]);
    // Stopped at the first chunk over the limit (the stream may have queued one more ahead).
    expect(state.pulled).toBeLessThanOrEqual(LIMIT + 2 * 64 * 1024);
    expect(state.canceled).toBe(true);

    const exact = countingBody(LIMIT + 1, 4096);
    expect((await refusal(receiveBody(request(exact.stream), { maxBytes: LIMIT }))).code).toBe(
      'payload_too_large',
    );
  });

  it('refuses a declared length over the limit without reading a byte', async () => {
    const { stream, state } = countingBody(LIMIT + 1);
    const error = await refusal(
      receiveBody(request(stream, { 'content-length': String(LIMIT + 1) }), { maxBytes: LIMIT }),
    );
    expect(error.code).toBe('payload_too_large');
    expect(state.pulled).toBeLessThanOrEqual(64 * 1024); // at most what the Request pre-pulled, never read by us
    const bad = await refusal(
      receiveBody(request(new Uint8Array(4), { 'content-length': 'many' }), { maxBytes: LIMIT }),
    );
    expect(bad.code).toBe('validation_failed');
  });

  it('shows the first bytes to the check once, and stops reading when it refuses', async () => {
    const seen: number[] = [];
    const { stream, state } = countingBody(10 * LIMIT, 8);
    const error = await refusal(
      receiveBody(request(stream), {
        maxBytes: 20 * LIMIT,
        checkPrefix: (prefix) => {
          seen.push(prefix.length);
          throw new AppError('invalid_image');
        },
      }),
    );
    expect(error.code).toBe('invalid_image');
    expect(seen).toEqual([PREFIX_BYTES]);
    expect(state.pulled).toBeLessThan(1024);

    const empty: number[] = [];
    const body = await receiveBody(request(null), {
      maxBytes: LIMIT,
      checkPrefix: (p) => empty.push(p.length),
    });
    expect([body.length, empty]).toEqual([0, [0]]);
    const short: number[] = [];
    await receiveBody(request(new Uint8Array(5)), {
      maxBytes: LIMIT,
      checkPrefix: (p) => short.push(p.length),
    });
    expect(short).toEqual([5]);
  });

  it('formats limits as people read them', () => {
    expect([formatBytes(10 * 1024 * 1024), formatBytes(1536), formatBytes(100)]).toEqual([
      '10 MB',
      '1.5 KB',
      '100 B',
    ]);
  });
});

describe('withReceiveSlot', () => {
  it('receives at most budget / limit bodies at once, and refuses a crowd with 503', async () => {
    const maxBytes = UPLOAD_MEMORY_BUDGET / 2; // two slots
    const gates: (() => void)[] = [];
    let active = 0;
    let most = 0;
    const task = () =>
      withReceiveSlot(maxBytes, async () => {
        active++;
        most = Math.max(most, active);
        await new Promise<void>((resolve) => gates.push(resolve));
        active--;
      });
    const running = Array.from({ length: 66 }, task);
    await new Promise((resolve) => setImmediate(resolve));
    expect(gates).toHaveLength(2);
    // Two running and 64 waiting: one more is refused at once.
    const refused = await refusal(task());
    expect([refused.code, refused.retryAfterSeconds]).toEqual(['unavailable', 5]);
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(running);
    expect(most).toBe(2);
  });
});
