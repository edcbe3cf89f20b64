import { describe, expect, it } from 'vitest';
import { formatMoney, minorUnitDigits, monthlyShare } from './money';

describe('minor units', () => {
  it('knows the decimals of each currency, case-insensitively', () => {
    expect(minorUnitDigits('usd')).toBe(2);
    expect(minorUnitDigits('EUR')).toBe(2);
    expect(minorUnitDigits('jpy')).toBe(0);
    expect(minorUnitDigits('kwd')).toBe(3);
  });

  it('assumes two decimals for a code Intl does not accept', () => {
    expect(minorUnitDigits('not a currency')).toBe(2);
  });
});

describe('formatMoney', () => {
  it('turns cents into the currency in the page language', () => {
    expect(formatMoney('en', 999, 'usd')).toBe('$9.99');
    expect(formatMoney('en', 1050, 'usd')).toBe('$10.50');
    expect(formatMoney('zh', 999, 'usd')).toBe('US$9.99');
    expect(formatMoney('zh', 6800, 'cny')).toBe('¥68');
  });

  it('drops the decimals of a whole amount only', () => {
    expect(formatMoney('en', 1000, 'usd')).toBe('$10');
    expect(formatMoney('en', 1001, 'usd')).toBe('$10.01');
    expect(formatMoney('en', 123456, 'usd')).toBe('$1,234.56');
  });

  it('does not divide zero-decimal currencies', () => {
    expect(formatMoney('en', 1500, 'jpy')).toBe('¥1,500');
  });

  it('still shows the amount for an unknown currency code', () => {
    expect(formatMoney('en', 1234, 'zz!')).toBe('12.34 ZZ!');
  });
});

describe('monthlyShare', () => {
  it('spreads a yearly price over twelve months, rounded to the unit', () => {
    expect(monthlyShare(9600)).toBe(800);
    expect(monthlyShare(9999)).toBe(833);
  });
});
