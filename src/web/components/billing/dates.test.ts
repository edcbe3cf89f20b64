import { describe, expect, it } from 'vitest';
import { formatDay, formatMoment, formatPeriod } from './dates';

// Midday UTC, so the day is the same in every time zone the tests may run in.
const april = '2027-04-01T12:00:00.000Z';
const march = '2027-03-01T12:00:00.000Z';

describe('billing dates', () => {
  it('writes a day in the language, without a time', () => {
    expect(formatDay('en', april)).toBe('April 1, 2027');
    expect(formatDay('zh', april)).toBe('2027年4月1日');
  });

  it('writes nothing for a missing or broken date', () => {
    expect(formatDay('en', null)).toBe('');
    expect(formatDay('en', 'soon')).toBe('');
    expect(formatMoment('en', null)).toBe('');
    expect(formatPeriod('en', march, null)).toBe('');
  });

  it('keeps the time of an order', () => {
    expect(formatMoment('en', april)).toMatch(/^Apr 1, 2027, \d{1,2}:\d{2}/);
  });

  it('writes a period from its first to its last day', () => {
    expect(formatPeriod('en', march, april)).toBe('March 1, 2027 – April 1, 2027');
    expect(formatPeriod('zh', march, april)).toBe('2027年3月1日 – 2027年4月1日');
  });
});
