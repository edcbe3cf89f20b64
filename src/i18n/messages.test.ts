import { describe, expect, it } from 'vitest';
import { defaultLocale } from './index';
import { locales, messagesByLocale, messagesFor, negotiateLocale, translate } from './server';

const reference = messagesByLocale[defaultLocale]!;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('messages files', () => {
  it('has English and Chinese', () => {
    expect(locales).toEqual(expect.arrayContaining(['en', 'zh']));
    expect(locales[0]).toBe('en');
  });

  it.each(locales)('%s has exactly the keys of English, none empty', (locale) => {
    const messages = messagesByLocale[locale]!;
    const missing = Object.keys(reference).filter((k) => !(k in messages));
    const extra = Object.keys(messages).filter((k) => !(k in reference));
    expect(missing, `missing in ${locale}`).toEqual([]);
    expect(extra, `unknown in ${locale}`).toEqual([]);
    const empty = Object.entries(messages).filter(([, v]) => typeof v !== 'string' || v.trim() === '');
    expect(empty).toEqual([]);
  });

  it.each(locales)('%s uses the same placeholders as English', (locale) => {
    const messages = messagesByLocale[locale]!;
    const mismatched = Object.keys(reference).filter(
      (key) =>
        JSON.stringify(placeholders(messages[key as keyof typeof messages] ?? '')) !==
        JSON.stringify(placeholders(reference[key as keyof typeof reference])),
    );
    expect(mismatched).toEqual([]);
  });

  it('has an error message for every error code', async () => {
    const { errorCodes } = await import('../server/errors');
    for (const code of Object.keys(errorCodes)) expect(reference).toHaveProperty(`error.${code}`);
  });
});

describe('translate', () => {
  it('fills placeholders and leaves unknown ones', () => {
    expect(translate('en', 'validation.tooShort', { min: 8 })).toBe('Must be at least 8 characters.');
    expect(translate('zh', 'validation.tooShort', { min: 8 })).toBe('至少需要 8 个字符。');
    expect(translate('en', 'validation.tooShort')).toBe('Must be at least {min} characters.');
  });

  it('falls back to English for an unknown locale', () => {
    expect(translate('xx', 'nav.faq')).toBe('FAQ');
  });
});

describe('negotiateLocale', () => {
  it.each([
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    ['en-US,en;q=0.9', 'en'],
    ['fr-FR,fr;q=0.9,zh;q=0.5', 'zh'],
    ['de;q=1,en;q=0.1,zh;q=0.2', 'zh'],
    ['zh;q=0, en', 'en'],
    ['*', 'en'],
    ['fr', undefined],
    ['', undefined],
  ])('%s -> %s', (header, expected) => {
    expect(negotiateLocale(header)).toBe(expected);
  });
});

describe('messagesFor', () => {
  it('gives only the asked namespaces, in the asked language', () => {
    const messages = messagesFor('zh', ['nav']);
    expect(Object.keys(messages).length).toBeGreaterThan(5);
    expect(Object.keys(messages).every((k) => k.startsWith('nav.'))).toBe(true);
    expect(messages['nav.faq']).toBe('常见问题');
  });
});
