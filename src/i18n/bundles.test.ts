import { describe, expect, it } from 'vitest';
import { allMessageBundles, bundleByPath, messageBundle, messageBundles, messagesRef } from './bundles';
import { locales, messagesByLocale, messagesFor } from './server';

describe('message bundles', () => {
  it('holds exactly the namespaces of the bundle, in the language asked for', () => {
    const bundle = messageBundle('zh', 'auth');
    expect(bundle.messages).toEqual(messagesFor('zh', messageBundles.auth));
    expect(Object.keys(bundle.messages).length).toBeGreaterThan(5);
    expect(Object.keys(bundle.messages).every((key) => key.startsWith('auth.'))).toBe(true);
    expect(bundle.messages['auth.signIn.title']).toBe(messagesByLocale.zh!['auth.signIn.title']);
    expect(JSON.parse(bundle.json)).toEqual(bundle.messages);
  });

  it('is named by language, bundle and a hash of its content', () => {
    const en = messagesRef('en', 'home');
    const zh = messagesRef('zh', 'home');
    expect(en).toMatch(/^\/i18n\/en\/home\.[\w-]{12}\.json$/);
    expect(zh).toMatch(/^\/i18n\/zh\/home\.[\w-]{12}\.json$/);
    expect(en.split('.')[1]).not.toBe(zh.split('.')[1]);
    expect(messagesRef('en', 'home')).toBe(en);
  });

  it('falls back to the default language for an unknown one', () => {
    expect(messagesRef('xx', 'faq')).toBe(messagesRef('en', 'faq'));
  });

  it('finds every bundle of every language by its path, and nothing else', () => {
    const all = allMessageBundles();
    expect(all).toHaveLength(locales.length * Object.keys(messageBundles).length);
    for (const bundle of all) expect(bundleByPath(bundle.path)).toBe(bundle);
    const home = messagesRef('en', 'home');
    expect(bundleByPath(home.replace(/\.[\w-]{12}\.json$/, '.AAAAAAAAAAAA.json'))).toBeUndefined();
    expect(bundleByPath('/i18n/en/home.json')).toBeUndefined();
  });

  it('leaves no page text out: every key of a bundled namespace is in its bundle', () => {
    const bundled = new Set(allMessageBundles().flatMap((b) => Object.keys(b.messages)));
    for (const namespace of Object.values(messageBundles).flat()) {
      const keys = Object.keys(messagesByLocale.en!).filter(
        (key) => key === namespace || key.startsWith(`${namespace}.`),
      );
      expect(keys.length, namespace).toBeGreaterThan(0);
      for (const key of keys) expect(bundled.has(key), key).toBe(true);
    }
  });
});
