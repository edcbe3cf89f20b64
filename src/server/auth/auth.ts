/**
 * Better Auth, configured for this platform: email + password for now, with
 * the tables shaped for OAuth, verification and roles (schema/auth.ts).
 *
 * Cookies (decision 002): the session cookie is `session`, named
 * `__Host-session` with Secure whenever PUBLIC_URL is https; HttpOnly,
 * SameSite=Lax, Path=/, no Domain. Better Auth's `better-auth.*` defaults
 * are overridden and every name is declared in the cookie registry.
 *
 * Lifetimes (decision 003): the idle limit is Better Auth's sliding
 * `expiresIn`; the absolute cap is enforced by get-session.ts from the
 * session's creation time. No cookie cache: a revoked session ends at once.
 *
 * Rate limits are the platform's own (http/rate-limit.ts), so Better Auth's
 * limiter is off; the client IP reaches it through a header the platform sets
 * itself after applying the trusted-proxy rule (decision 004).
 */
import { isAdminEmail } from '../admin/admin-emails';
import { betterAuth } from 'better-auth';
import { ensureAccount, grantCredits, starterGrantKey } from '../credits';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Logger } from '../log';
import { accounts, rateLimits, sessions, users, verifications } from '../db/schema';
import { cookieName } from '../../shared/cookie-registry';

/** Request header carrying the client IP computed by the platform; inbound values are replaced. */
export const CLIENT_IP_HEADER = 'x-imagegen-client-ip';

export const PASSWORD_MIN_LENGTH = 8;
/** Long passphrases are welcome; the cap bounds hashing work per request. */
export const PASSWORD_MAX_LENGTH = 128;

/**
 * How old the idle window may get before a request slides it: 1/24 of it
 * (7 h for 7 days), so a busy member does not cause a session write on every
 * request. Shared with get-session.ts, which leaves the slide to Better Auth.
 */
export function sessionUpdateAgeSeconds(idleSeconds: number): number {
  return Math.max(60, Math.floor(idleSeconds / 24));
}

export function createAuth(options: { config: Config; db: Db; logger: Logger }) {
  const { config, db, logger } = options;
  const secure = config.secureCookies;
  const idle = config.session.idleSeconds;
  return betterAuth({
    appName: 'Imagegen',
    baseURL: config.publicUrl,
    basePath: '/api/auth',
    secret: config.appSecret,
    trustedOrigins: [config.publicUrl],
    database: drizzleAdapter(db, {
      provider: 'pg',
      schema: {
        user: users,
        session: sessions,
        account: accounts,
        verification: verifications,
        rateLimit: rateLimits,
      },
    }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
      autoSignIn: true,
    },
    user: {
      additionalFields: {
        role: { type: 'string', required: false, defaultValue: 'user', input: false },
        locale: { type: 'string', required: false, input: true },
      },
    },
    session: {
      expiresIn: idle,
      updateAge: sessionUpdateAgeSeconds(idle),
      cookieCache: { enabled: false },
    },
    // Every new member gets a credit account and the starter credits
    // (STARTER_CREDITS; once per member, by idempotency key). The accounts
    // issue will make this wait for a verified email address.
    databaseHooks: {
      user: {
        create: {
          // ADMIN_EMAILS: the account is an admin from its first request.
          before: async (user) =>
            Promise.resolve(
              isAdminEmail(config.adminEmails, user.email) ? { data: { ...user, role: 'admin' } } : true,
            ),
          after: async (user) => {
            try {
              await ensureAccount(db, user.id);
              if (config.starterCredits > 0) {
                await grantCredits(db, {
                  userId: user.id,
                  amount: config.starterCredits,
                  kind: 'starter',
                  reason: 'starter',
                  idempotencyKey: starterGrantKey(user.id),
                  at: new Date(),
                });
              }
            } catch (error) {
              logger.error({ err: error, userId: user.id }, 'starter credits not granted');
            }
          },
        },
      },
    },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    // Into our structured log; only the message and Error objects, never other
    // arguments (they may hold request data). "User not found" on a wrong email
    // is routine, so Better Auth's warnings are info here.
    logger: {
      level: 'debug',
      log: (level, message, ...args) => {
        const err = args.find((a): a is Error => a instanceof Error);
        const target = level === 'error' ? 'error' : level === 'warn' ? 'info' : 'debug';
        logger[target]({ component: 'better-auth', ...(err ? { err } : {}) }, message);
      },
    },
    advanced: {
      useSecureCookies: false, // we name cookies ourselves, with __Host- (see above)
      defaultCookieAttributes: { secure, sameSite: 'lax', path: '/', httpOnly: true },
      cookies: {
        session_token: {
          name: cookieName('session', secure),
          // The cookie may live up to the absolute cap; the idle limit is checked server-side.
          attributes: { maxAge: config.session.absoluteSeconds },
        },
        dont_remember: { name: cookieName('session_dont_remember', secure) },
      },
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
