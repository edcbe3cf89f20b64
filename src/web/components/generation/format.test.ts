import { describe, expect, it } from 'vitest';
import { createTranslator } from '../../../i18n';
import { messagesByLocale } from '../../../i18n/server';
import {
  costNote,
  costSummary,
  countText,
  elapsedMs,
  formatDateTime,
  formatElapsed,
  pluralForm,
  signedNumber,
  truncate,
} from './format';

const en = createTranslator(messagesByLocale.en!);
const zh = createTranslator(messagesByLocale.zh!);

describe('counts', () => {
  it('picks the plural form of the language', () => {
    expect(pluralForm('en', 1)).toBe('one');
    expect(pluralForm('en', 0)).toBe('other');
    expect(pluralForm('en', 4)).toBe('other');
    expect(pluralForm('zh', 1)).toBe('other');
  });

  it('says "1 credit" and "4 credits", and formats large numbers', () => {
    expect(countText(en, 'en', 'generation.credits', 1)).toBe('1 credit');
    expect(countText(en, 'en', 'generation.credits', 4)).toBe('4 credits');
    expect(countText(en, 'en', 'nav.balance', 12500)).toBe('12,500 credits');
    expect(countText(zh, 'zh', 'generation.images', 1)).toBe('1 张图片');
  });

  it('writes the cost line before submitting', () => {
    expect(costSummary(en, 'en', { images: 4, perImage: 1, total: 4 })).toBe(
      '4 images × 1 credit = 4 credits',
    );
    expect(costSummary(en, 'en', { images: 1, perImage: 2, total: 2 })).toBe(
      '1 image × 2 credits = 2 credits',
    );
    expect(costSummary(zh, 'zh', { images: 4, perImage: 1, total: 4 })).toBe('4 张图片 × 1 点 = 4 点');
  });
});

describe('what a generation cost', () => {
  it('is held while it runs', () => {
    expect(costNote(en, 'en', { status: 'queued', cost: 4, charged: null })).toBe('4 credits on hold');
    expect(costNote(en, 'en', { status: 'running', cost: 1, charged: null })).toBe('1 credit on hold');
  });

  it('is charged when it succeeded, in part when only some images came', () => {
    expect(costNote(en, 'en', { status: 'succeeded', cost: 4, charged: 4 })).toBe('4 credits charged');
    expect(costNote(en, 'en', { status: 'succeeded', cost: 4, charged: null })).toBe('4 credits charged');
    expect(costNote(en, 'en', { status: 'succeeded', cost: 4, charged: 2 })).toBe(
      '2 credits charged, 2 credits refunded',
    );
  });

  it('is refunded when it failed or was canceled', () => {
    expect(costNote(en, 'en', { status: 'failed', cost: 4, charged: null })).toBe('4 credits refunded');
    expect(costNote(en, 'en', { status: 'canceled', cost: 2, charged: 0 })).toBe('2 credits refunded');
    expect(costNote(zh, 'zh', { status: 'failed', cost: 4, charged: null })).toBe('已退还 4 点');
  });

  it('is free when it cost nothing', () => {
    expect(costNote(en, 'en', { status: 'succeeded', cost: 0, charged: 0 })).toBe('Free');
  });
});

describe('elapsed time', () => {
  const createdAt = '2027-03-04T10:00:00.000Z';
  const created = Date.parse(createdAt);

  it('counts from the local submit time while running', () => {
    const running = { status: 'running' as const, createdAt, finishedAt: null };
    expect(elapsedMs(running, 50_000, 42_000)).toBe(8000);
    // Without a local start it counts from the server's creation time.
    expect(elapsedMs(running, created + 5000)).toBe(5000);
  });

  it('never goes below zero, and shows zero before the clock runs', () => {
    const queued = { status: 'queued' as const, createdAt, finishedAt: null };
    expect(elapsedMs(queued, created - 3000)).toBe(0);
    expect(elapsedMs(queued, 0, 1000)).toBe(0);
  });

  it('uses the server timestamps once finished', () => {
    const done = { status: 'succeeded' as const, createdAt, finishedAt: '2027-03-04T10:01:05.500Z' };
    expect(elapsedMs(done, 999_999_999_999, 1)).toBe(65_500);
    expect(elapsedMs({ ...done, finishedAt: null }, 5)).toBe(0);
  });

  it.each([
    [0, '0:00'],
    [999, '0:00'],
    [7000, '0:07'],
    [65_000, '1:05'],
    [3_723_000, '1:02:03'],
    [-5, '0:00'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('other formats', () => {
  it('signs ledger amounts with a true minus sign', () => {
    expect(signedNumber('en', 5)).toBe('+5');
    expect(signedNumber('en', -3)).toBe('\u22123');
    expect(signedNumber('en', 0)).toBe('0');
    expect(signedNumber('en', -1200)).toBe('\u22121,200');
  });

  it('formats dates in the language, and nothing for a bad one', () => {
    expect(formatDateTime('en', '2027-03-04T10:00:00.000Z')).toMatch(/2027/);
    expect(formatDateTime('zh', '2027-03-04T10:00:00.000Z')).toMatch(/2027年/);
    expect(formatDateTime('en', 'yesterday')).toBe('');
  });

  it('shortens long prompts at a word when it can', () => {
    expect(truncate('a  short\nprompt', 40)).toBe('a short prompt');
    expect(truncate('a lighthouse on a cliff at dawn', 20)).toBe('a lighthouse on a…');
    expect(truncate('一二三四五六七八九十', 5)).toBe('一二三四…');
  });
});
