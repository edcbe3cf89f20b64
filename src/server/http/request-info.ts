/**
 * What the platform knows about a request beyond its bytes: client IP (by
 * the trusted-proxy rule), message language, the visitor's consent. Each is
 * worked out on first use and kept: a health probe needs none of them, and
 * reading the peer address alone is a system call.
 */
import type { Context } from 'hono';
import { isLocale, negotiateLocale } from '../../i18n/server';
import { currentConsent, type ConsentState } from '../../shared/consent';
import { clientIp } from './client-ip';
import type { AppDeps, AppEnv } from './context';
import { requestCookie, requestHeader } from './request-headers';

export class RequestInfo {
  #clientIp: string | undefined;
  #locale: string | undefined;
  #consent: { value: ConsentState | undefined } | undefined;

  constructor(
    private readonly c: Context<AppEnv>,
    private readonly deps: AppDeps,
    private readonly names: { consent: string; locale: string },
    private readonly socketAddress: (c: Context<AppEnv>) => string | undefined,
  ) {}

  get clientIp(): string {
    return (this.#clientIp ??= clientIp({
      socketAddress: this.socketAddress(this.c),
      forwardedFor: requestHeader(this.c, 'x-forwarded-for'),
      trustedProxies: this.deps.config.trustedProxies,
    }));
  }

  /** Accept-Language (the web app sends the page's language), else the saved language, else English. */
  get locale(): string {
    if (this.#locale === undefined) {
      const saved = requestCookie(this.c, this.names.locale);
      this.#locale =
        negotiateLocale(requestHeader(this.c, 'accept-language')) ??
        (isLocale(saved) ? saved : undefined) ??
        'en';
    }
    return this.#locale;
  }

  /** The consent in force: the request's, or the one a choice made during this request. */
  get consent(): ConsentState | undefined {
    this.#consent ??= {
      value: currentConsent(
        requestCookie(this.c, this.names.consent),
        Math.floor(this.deps.now().getTime() / 1000),
      ),
    };
    return this.#consent.value;
  }

  set consent(value: ConsentState | undefined) {
    this.#consent = { value };
  }
}
