import { describe, expect, it } from 'vitest';
import { allows, currentConsent, isConsentCurrent, parseConsent, serializeConsent } from './consent';
import { CONSENT_MAX_AGE_SECONDS, COOKIE_POLICY_VERSION, cookieRegistry } from './cookie-registry';

const now = 1_800_000_000;
const base = { version: COOKIE_POLICY_VERSION, consentId: 'AbCdEfGhIjKlMnOpQrSt', decidedAt: now };

describe('consent cookie format', () => {
  it('round-trips every combination of categories', () => {
    const all = ['performance', 'functional', 'analytics'] as const;
    for (let mask = 0; mask < 8; mask++) {
      const granted = all.filter((_, i) => mask & (1 << i));
      const parsed = parseConsent(serializeConsent({ ...base, granted: [...granted] }));
      expect(parsed?.granted).toEqual(granted);
    }
  });

  it('rejects malformed values', () => {
    for (const value of [
      '',
      'x',
      '1.short.-.1',
      '1.AbCdEfGhIjKlMnOpQrSt.z.1',
      '1.AbCdEfGhIjKlMnOpQrSt.f',
      'a.AbCdEfGhIjKlMnOpQrSt.f.1',
    ]) {
      expect(parseConsent(value)).toBeUndefined();
    }
  });
});

describe('when consent counts', () => {
  it('counts for the current version within six months', () => {
    expect(isConsentCurrent({ ...base, granted: [] }, now + CONSENT_MAX_AGE_SECONDS - 86400)).toBe(true);
  });

  it('asks again after six months', () => {
    expect(isConsentCurrent({ ...base, granted: [] }, now + CONSENT_MAX_AGE_SECONDS + 86400)).toBe(false);
  });

  it('asks again after a policy version change', () => {
    expect(isConsentCurrent({ ...base, version: COOKIE_POLICY_VERSION - 1, granted: [] }, now)).toBe(false);
  });

  it('does not trust a choice dated in the future', () => {
    expect(isConsentCurrent({ ...base, decidedAt: now + 3600, granted: [] }, now)).toBe(false);
  });

  it('treats silence as refusal and essential as always allowed', () => {
    expect(allows(undefined, 'functional')).toBe(false);
    expect(allows(undefined, 'essential')).toBe(true);
    const value = serializeConsent({ ...base, granted: ['functional'] });
    expect(allows(currentConsent(value, now), 'functional')).toBe(true);
    expect(allows(currentConsent(value, now), 'analytics')).toBe(false);
  });
});

describe('cookie registry', () => {
  it('declares each name once per kind', () => {
    const keys = cookieRegistry.map((e) => `${e.kind}:${e.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keeps the consent cookie within 13 months and every entry within its declared lifetime', () => {
    const consent = cookieRegistry.find((e) => e.name === 'consent');
    expect(consent?.category).toBe('essential');
    expect(consent?.maxAgeSeconds).toBeLessThanOrEqual(395 * 86400);
    for (const entry of cookieRegistry) {
      if (entry.maxAgeSeconds !== 'session') expect(entry.maxAgeSeconds).toBeGreaterThan(0);
    }
  });

  it('declares language and theme preferences as functional', () => {
    expect(cookieRegistry.find((e) => e.name === 'locale')?.category).toBe('functional');
    expect(cookieRegistry.find((e) => e.name === 'theme')?.category).toBe('functional');
  });
});
