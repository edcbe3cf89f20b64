import { describe, expect, it } from 'vitest';
import { generation } from '../../../../tests/support/generation-fixtures';
import {
  MAX_POLL_INTERVAL_MS,
  POLL_INTERVAL_MS,
  initialLiveState,
  isFatalPollError,
  liveReducer,
  parseGenerationEvent,
  pollDelay,
  type LiveEvent,
  type LiveState,
} from './live-status';

const queued = generation({ status: 'queued' });
const running = generation({ status: 'running', startedAt: '2027-03-04T10:00:02.000Z' });
const succeeded = generation({ status: 'succeeded', charged: 4, finishedAt: '2027-03-04T10:00:09.000Z' });
const failed = generation({ status: 'failed', errorCode: 'provider_error', errorMessage: 'Refunded.' });

function run(state: LiveState, ...events: LiveEvent[]): LiveState {
  return events.reduce(liveReducer, state);
}

describe('live status', () => {
  it('starts on the stream, on polling without EventSource, and idle when already finished', () => {
    expect(initialLiveState(queued, true).transport).toBe('stream');
    expect(initialLiveState(queued, false).transport).toBe('poll');
    expect(initialLiveState(succeeded, true).transport).toBe('done');
  });

  it('follows queued → running → succeeded and stops', () => {
    const state = run(
      initialLiveState(queued, true),
      { type: 'update', generation: running },
      { type: 'update', generation: succeeded },
    );
    expect(state.generation).toBe(succeeded);
    expect(state.transport).toBe('done');
  });

  it('falls back to polling when the stream fails, and keeps the last status', () => {
    const state = run(
      initialLiveState(queued, true),
      { type: 'update', generation: running },
      { type: 'stream-failed' },
    );
    expect(state.transport).toBe('poll');
    expect(state.generation.status).toBe('running');
  });

  it('ignores a stream error after the end (the server closes the stream)', () => {
    const state = run(
      initialLiveState(queued, true),
      { type: 'update', generation: succeeded },
      { type: 'stream-failed' },
    );
    expect(state.transport).toBe('done');
  });

  it('never moves a status backwards (a slow poll answer after a newer event)', () => {
    const state = run(
      initialLiveState(queued, true),
      { type: 'update', generation: running },
      { type: 'update', generation: queued },
    );
    expect(state.generation.status).toBe('running');
  });

  it('never replaces a final status by another, but takes a fresher copy of the same one', () => {
    const canceled = generation({ status: 'canceled' });
    let state = run(
      initialLiveState(running, true),
      { type: 'update', generation: failed },
      { type: 'update', generation: canceled },
    );
    expect(state.generation.status).toBe('failed');
    const localized = { ...failed, errorMessage: '已退还。' };
    state = liveReducer(state, { type: 'update', generation: localized });
    expect(state.generation.errorMessage).toBe('已退还。');
    expect(state.transport).toBe('done');
  });

  it('ignores updates about another generation', () => {
    const state = initialLiveState(queued, true);
    expect(
      liveReducer(state, { type: 'update', generation: generation({ id: 'other', status: 'running' }) }),
    ).toBe(state);
  });

  it('counts failed polls, resets on an answer, and stops on a fatal one', () => {
    let state = run(
      initialLiveState(queued, false),
      { type: 'poll-failed', fatal: false },
      { type: 'poll-failed', fatal: false },
    );
    expect(state.failures).toBe(2);
    expect(state.transport).toBe('poll');
    state = liveReducer(state, { type: 'update', generation: running });
    expect(state.failures).toBe(0);
    state = liveReducer(state, { type: 'poll-failed', fatal: true });
    expect(state.transport).toBe('done');
    expect(state.lost).toBe(true);
  });

  it('resets the failure count on an answer that changes nothing', () => {
    const state = run(
      initialLiveState(running, false),
      { type: 'poll-failed', fatal: false },
      { type: 'update', generation: queued },
    );
    expect(state.failures).toBe(0);
    expect(state.generation.status).toBe('running');
  });

  it('ignores poll failures while streaming', () => {
    const state = initialLiveState(queued, true);
    expect(liveReducer(state, { type: 'poll-failed', fatal: true })).toBe(state);
  });
});

describe('polling', () => {
  it('polls every 2 s and backs off while the server cannot be reached', () => {
    expect(pollDelay(0)).toBe(POLL_INTERVAL_MS);
    expect(POLL_INTERVAL_MS).toBe(2000);
    expect(pollDelay(1)).toBe(4000);
    expect(pollDelay(2)).toBe(8000);
    expect(pollDelay(10)).toBe(MAX_POLL_INTERVAL_MS);
  });

  it('gives up on answers that polling again cannot change', () => {
    expect(isFatalPollError(404)).toBe(true);
    expect(isFatalPollError(401)).toBe(true);
    expect(isFatalPollError(0)).toBe(false);
    expect(isFatalPollError(503)).toBe(false);
  });
});

describe('stream messages', () => {
  it('reads a generation of this id', () => {
    expect(parseGenerationEvent(JSON.stringify(running), 'gen-1')).toEqual(running);
  });

  it('rejects other ids, unknown statuses and bad JSON', () => {
    expect(parseGenerationEvent(JSON.stringify(running), 'gen-2')).toBeUndefined();
    expect(parseGenerationEvent(JSON.stringify({ ...running, status: 'exploded' }), 'gen-1')).toBeUndefined();
    expect(parseGenerationEvent('{', 'gen-1')).toBeUndefined();
    expect(parseGenerationEvent('null', 'gen-1')).toBeUndefined();
    expect(parseGenerationEvent(undefined, 'gen-1')).toBeUndefined();
  });
});
