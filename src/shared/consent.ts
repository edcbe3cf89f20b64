/**
 * The visitor's consent choice, as kept in the essential `consent` cookie.
 *
 * Wire format (no JSON, so it stays short and needs no decoding library):
 *   <policyVersion>.<consentId>.<categories>.<unixSeconds>
 * where <categories> is the sorted initials of the granted optional
 * categories ("afp" = all, "-" = none). The server writes it after recording
 * the choice as proof; browser code only reads it.
 */
import {
  CONSENT_MAX_AGE_SECONDS,
  COOKIE_POLICY_VERSION,
  optionalCategories,
  type ConsentCategory,
  type OptionalCategory,
} from './cookie-registry';

export interface ConsentState {
  version: number;
  consentId: string;
  granted: OptionalCategory[];
  decidedAt: number; // unix seconds
}

export const consentActions = ['accept_all', 'reject_all', 'custom', 'withdraw'] as const;
export type ConsentAction = (typeof consentActions)[number];

const initial: Record<OptionalCategory, string> = {
  performance: 'p',
  functional: 'f',
  analytics: 'a',
};

export function serializeConsent(state: ConsentState): string {
  const cats = optionalCategories
    .filter((c) => state.granted.includes(c))
    .map((c) => initial[c])
    .sort()
    .join('');
  return `${state.version}.${state.consentId}.${cats || '-'}.${state.decidedAt}`;
}

const CONSENT_ID = /^[A-Za-z0-9_-]{16,64}$/;

export function parseConsent(value: string | undefined | null): ConsentState | undefined {
  if (!value) return undefined;
  const parts = value.split('.');
  if (parts.length !== 4) return undefined;
  const [versionText = '', consentId = '', cats = '', tsText = ''] = parts;
  const version = Number(versionText);
  const decidedAt = Number(tsText);
  if (!Number.isInteger(version) || !Number.isInteger(decidedAt)) return undefined;
  if (!CONSENT_ID.test(consentId)) return undefined;
  if (!/^(-|[afp]{1,3})$/.test(cats)) return undefined;
  const granted = optionalCategories.filter((c) => cats.includes(initial[c]));
  return { version, consentId, granted, decidedAt };
}

/**
 * A stored choice counts only for the current policy version and for
 * CONSENT_MAX_AGE_SECONDS; otherwise the visitor is asked again and, until
 * they answer, nothing optional is allowed (silence means refusal).
 */
export function isConsentCurrent(state: ConsentState | undefined, nowSeconds: number): boolean {
  if (!state) return false;
  if (state.version !== COOKIE_POLICY_VERSION) return false;
  if (state.decidedAt > nowSeconds + 300) return false; // from the future: not trusted
  return nowSeconds - state.decidedAt < CONSENT_MAX_AGE_SECONDS;
}

export function currentConsent(
  value: string | undefined | null,
  nowSeconds: number,
): ConsentState | undefined {
  const state = parseConsent(value);
  return isConsentCurrent(state, nowSeconds) ? state : undefined;
}

export function allows(state: ConsentState | undefined, category: ConsentCategory): boolean {
  if (category === 'essential') return true;
  return state?.granted.includes(category) ?? false;
}
