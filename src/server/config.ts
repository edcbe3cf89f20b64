/**
 * Configuration, parsed once at boot. This is the only module that reads
 * process.env; everything else receives the typed `Config`.
 *
 * Empty strings count as missing, so `FOO=` in an env file means "use the default".
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const emptyToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

const envSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyToUndefined,
    z.enum(['development', 'production', 'test']).default('production'),
  ),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  PORT: int(3000, 0, 65535),
  PUBLIC_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  DATABASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  /** Signs sessions and derives encryption keys. Generated into DATA_DIR when unset. */
  APP_SECRET: z.preprocess(emptyToUndefined, z.string().min(32).optional()),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** Comma-separated IPs of reverse proxies whose X-Forwarded-For is trusted (decision 004). */
  TRUSTED_PROXIES: optionalString,
  /** Largest request body accepted, in bytes. 1 MiB covers every JSON API; uploads get their own limit. */
  BODY_LIMIT_BYTES: int(1024 * 1024, 1024, 100 * 1024 * 1024),
  /** A session ends after this long without use (decision 003). */
  SESSION_IDLE_HOURS: int(24 * 7, 1, 24 * 90),
  /** A session ends this long after sign-in, however active (decision 003). */
  SESSION_ABSOLUTE_DAYS: int(30, 1, 90),
  /** Sign-in attempts allowed per client IP per minute. */
  RATE_LIMIT_SIGN_IN_PER_MINUTE: int(5, 1, 10_000),
  /** Sign-ups allowed per client IP per hour. */
  RATE_LIMIT_SIGN_UP_PER_HOUR: int(10, 1, 10_000),
  /** Contact messages allowed per client IP per hour. */
  RATE_LIMIT_CONTACT_PER_HOUR: int(5, 1, 10_000),
  /**
   * Worker threads that render pages (production). Default: one per CPU core
   * up to 8 (each holds its own copy of the page code, ~80 MB), so rendering
   * uses the machine; 0 renders on the main thread.
   */
  RENDER_THREADS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(64).optional()),
  /** Seconds SIGTERM waits for in-flight requests before closing anyway. */
  SHUTDOWN_GRACE_SECONDS: int(25, 1, 600),
  /**
   * Seconds between SIGTERM and closing the listener, while /readyz already
   * answers 503, so a load balancer stops sending traffic first. 0 = close at once.
   */
  SHUTDOWN_READINESS_DELAY_SECONDS: int(0, 0, 120),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  /** Public origin, no trailing slash, e.g. https://images.example.com */
  publicUrl: string;
  /** True when the public URL is https: cookies get Secure and __Host- names. */
  secureCookies: boolean;
  dataDir: string;
  databaseUrl: string | undefined;
  appSecret: string;
  logLevel: Env['LOG_LEVEL'];
  trustedProxies: string[];
  bodyLimitBytes: number;
  session: { idleSeconds: number; absoluteSeconds: number };
  rateLimits: { signInPerMinute: number; signUpPerHour: number; contactPerHour: number };
  shutdownGraceSeconds: number;
  shutdownReadinessDelaySeconds: number;
  renderThreads: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment (process.env by default) into a Config, or throws ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.DATA_DIR);
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    dataDir,
    databaseUrl: env.DATABASE_URL,
    appSecret: env.APP_SECRET ?? readOrCreateSecret(dataDir),
    logLevel: env.LOG_LEVEL,
    trustedProxies: (env.TRUSTED_PROXIES ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    session: {
      idleSeconds: env.SESSION_IDLE_HOURS * 3600,
      absoluteSeconds: env.SESSION_ABSOLUTE_DAYS * 86400,
    },
    rateLimits: {
      signInPerMinute: env.RATE_LIMIT_SIGN_IN_PER_MINUTE,
      signUpPerHour: env.RATE_LIMIT_SIGN_UP_PER_HOUR,
      contactPerHour: env.RATE_LIMIT_CONTACT_PER_HOUR,
    },
    shutdownGraceSeconds: env.SHUTDOWN_GRACE_SECONDS,
    shutdownReadinessDelaySeconds: env.SHUTDOWN_READINESS_DELAY_SECONDS,
    renderThreads: env.RENDER_THREADS ?? Math.min(availableParallelism(), 8),
  };
}

/**
 * The embedded default needs no keys: a random secret is created once in
 * DATA_DIR (mode 0600) and reused, so sessions survive restarts. Deployments
 * with several instances must set APP_SECRET so they all share it.
 */
function readOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'app-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return secret;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
