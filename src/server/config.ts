/**
 * Configuration, parsed once at boot. This is the only module that reads
 * process.env; everything else receives the typed `Config`. The variables,
 * their defaults and bounds are config-env.ts's schema.
 *
 * Empty strings count as missing, so `FOO=` in an env file means "use the default".
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema, type Env } from './config-env';
import { billingSettingsFromEnv, type BillingSettings } from './billing/settings';
import { defaultTextModels, type TextProviderId } from './llm/text-providers';
import { parseAllowlist } from './net/safe-fetch';
import { ProviderOptionsError, providerSettingsFromEnv, type ProviderEnvSettings } from './providers/env';
import { localProviderOptionsFromEnv, type LocalProviderOptions } from './providers/local/options';

export type { Env };

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
  starterCredits: number;
  worker: { mode: 'inline' | 'separate'; concurrency: number };
  generation: {
    attemptTimeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    maxActivePerUser: number;
    holdTimeoutSeconds: number;
    sweepIntervalSeconds: number;
  };
  jobs: {
    expireInSeconds: number;
    heartbeatSeconds: number;
    monitorIntervalSeconds: number;
    retryLimit: number;
    retryDelaySeconds: number;
    pollingIntervalSeconds: number;
  };
  storage:
    | { driver: 'disk'; root: string }
    | {
        driver: 's3';
        endpoint: string | undefined;
        region: string;
        bucket: string;
        accessKeyId: string;
        secretAccessKey: string;
        forcePathStyle: boolean;
        checksums: 'when_supported' | 'when_required';
      };
  imageMaxPixels: number;
  uploads: { maxBytes: number; perHour: number; maxPerMember: number; urlAllowlist: string[] };
  localProvider: LocalProviderOptions;
  /** Prompt enhancement and translation (decision 017). */
  promptLlm: {
    provider: TextProviderId;
    model: string;
    credits: number;
    timeoutMs: number;
    perHour: number;
  };
  /** Lower-cased; these accounts get the admin role. */
  adminEmails: string[];
  /** Provider keys and base URLs from `PROVIDER_<ID>_*` variables, by provider id. */
  providerEnv: Record<string, ProviderEnvSettings>;
  /** True when asynchronous providers should post webhooks to PUBLIC_URL. */
  providerWebhooks: boolean;
  /** Stripe and the catalog of packs and plans (decision 020). */
  billing: BillingSettings;
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
  const jobs: Config['jobs'] = {
    expireInSeconds: env.JOB_EXPIRE_SECONDS,
    heartbeatSeconds: env.JOB_HEARTBEAT_SECONDS,
    monitorIntervalSeconds: env.JOB_MONITOR_INTERVAL_SECONDS,
    retryLimit: env.JOB_RETRY_LIMIT,
    retryDelaySeconds: env.JOB_RETRY_DELAY_SECONDS,
    pollingIntervalSeconds: env.JOB_POLLING_INTERVAL_SECONDS,
  };
  if (env.HOLD_TIMEOUT_SECONDS !== undefined && env.HOLD_TIMEOUT_SECONDS < holdTimeoutFloor(jobs)) {
    throw new ConfigError(
      `Invalid configuration:\n  HOLD_TIMEOUT_SECONDS: ${env.HOLD_TIMEOUT_SECONDS} is shorter than the ${holdTimeoutFloor(jobs)} s ` +
        'that pg-boss may still spend on a job ((JOB_EXPIRE_SECONDS + JOB_MONITOR_INTERVAL_SECONDS) x ' +
        '(JOB_RETRY_LIMIT + 1) + JOB_RETRY_DELAY_SECONDS x JOB_RETRY_LIMIT); a hold could expire while its job still runs',
    );
  }
  if (env.WORKER_MODE === 'separate' && !env.DATABASE_URL) {
    throw new ConfigError(
      'Invalid configuration:\n  WORKER_MODE=separate needs DATABASE_URL: PGlite belongs to one process, so workers cannot share it',
    );
  }
  if (env.GENERATION_ATTEMPT_TIMEOUT_SECONDS * env.GENERATION_MAX_ATTEMPTS >= env.JOB_EXPIRE_SECONDS) {
    throw new ConfigError(
      'Invalid configuration:\n  GENERATION_ATTEMPT_TIMEOUT_SECONDS x GENERATION_MAX_ATTEMPTS must be shorter than ' +
        'JOB_EXPIRE_SECONDS, so a job can spend all its attempts before pg-boss gives up on it',
    );
  }
  if (env.JOB_HEARTBEAT_SECONDS >= env.JOB_EXPIRE_SECONDS) {
    throw new ConfigError(
      'Invalid configuration:\n  JOB_HEARTBEAT_SECONDS must be shorter than JOB_EXPIRE_SECONDS',
    );
  }
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  const billing = billingSettingsFromEnv(env, source);
  if (billing.problems.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n${billing.problems.map((line) => `  ${line}`).join('\n')}`,
    );
  }
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
    starterCredits: env.STARTER_CREDITS,
    worker: { mode: env.WORKER_MODE, concurrency: env.WORKER_CONCURRENCY },
    generation: {
      attemptTimeoutMs: env.GENERATION_ATTEMPT_TIMEOUT_SECONDS * 1000,
      maxAttempts: env.GENERATION_MAX_ATTEMPTS,
      retryBaseMs: env.GENERATION_RETRY_BASE_MS,
      maxActivePerUser: env.GENERATION_MAX_ACTIVE_PER_USER,
      holdTimeoutSeconds: env.HOLD_TIMEOUT_SECONDS ?? holdTimeoutFloor(jobs),
      sweepIntervalSeconds: env.SWEEP_INTERVAL_SECONDS,
    },
    jobs,
    storage: storageConfig(env, dataDir),
    imageMaxPixels: env.IMAGE_MAX_MEGAPIXELS * 1_000_000,
    uploads: {
      maxBytes: env.UPLOAD_MAX_BYTES,
      perHour: env.RATE_LIMIT_UPLOADS_PER_HOUR,
      maxPerMember: env.UPLOAD_MAX_PER_MEMBER,
      urlAllowlist: urlAllowlistOrThrow(env.UPLOAD_URL_ALLOWLIST),
    },
    localProvider: localProviderOptionsFromEnv(env),
    promptLlm: {
      provider: env.PROMPT_LLM_PROVIDER,
      model: env.PROMPT_LLM_MODEL ?? defaultTextModels[env.PROMPT_LLM_PROVIDER],
      credits: env.PROMPT_ENHANCE_CREDITS,
      timeoutMs: env.PROMPT_LLM_TIMEOUT_SECONDS * 1000,
      perHour: env.RATE_LIMIT_PROMPT_ENHANCE_PER_HOUR,
    },
    adminEmails: (env.ADMIN_EMAILS ?? '')
      .split(',')
      .map((email) => email.trim().toLowerCase())
      .filter(Boolean),
    providerEnv: providerEnvOrThrow(source),
    providerWebhooks:
      env.PROVIDER_WEBHOOKS === 'auto' ? isPubliclyReachable(publicUrl) : env.PROVIDER_WEBHOOKS === 'on',
    billing: billing.settings,
  };
}

function urlAllowlistOrThrow(value: string | undefined): string[] {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    parseAllowlist(entries);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  UPLOAD_URL_ALLOWLIST: ${(error as Error).message}`);
  }
  return entries;
}

function providerEnvOrThrow(source: Record<string, string | undefined>): Record<string, ProviderEnvSettings> {
  try {
    return providerSettingsFromEnv(source);
  } catch (error) {
    if (!(error instanceof ProviderOptionsError)) throw error;
    throw new ConfigError(`Invalid configuration:\n${error.issues.map((line) => `  ${line}`).join('\n')}`);
  }
}

/**
 * Whether a provider on the internet can post to this origin: https on a
 * host name that is not local. An IP address, `localhost` or a `.local`,
 * `.internal` or `.lan` name means a machine behind NAT or a test setup,
 * where webhooks would only time out; PROVIDER_WEBHOOKS=on overrides.
 */
export function isPubliclyReachable(publicUrl: string): boolean {
  const { protocol, hostname } = new URL(publicUrl);
  if (protocol !== 'https:') return false;
  if (hostname === 'localhost' || /\.(localhost|local|internal|lan|home\.arpa)$/.test(hostname)) return false;
  return !/^[\d.]+$/.test(hostname) && !hostname.startsWith('[');
}

/**
 * The shortest safe hold timeout (PR-3): pg-boss may run a job retryLimit + 1
 * times, each lasting until it expires and the monitor notices, with the retry
 * delays in between. A hold that expired sooner could be voided while a run
 * still goes on, and that run's images would then be thrown away.
 */
export function holdTimeoutFloor(jobs: Config['jobs']): number {
  return (
    (jobs.expireInSeconds + jobs.monitorIntervalSeconds) * (jobs.retryLimit + 1) +
    jobs.retryDelaySeconds * jobs.retryLimit
  );
}

function storageConfig(env: Env, dataDir: string): Config['storage'] {
  if (env.STORAGE_DRIVER === 'disk') {
    return { driver: 'disk', root: path.resolve(env.STORAGE_DIR ?? path.join(dataDir, 'storage')) };
  }
  const missing = (['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).filter((k) => !env[k]);
  if (missing.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  STORAGE_DRIVER=s3 needs ${missing.join(', ')}`);
  }
  return {
    driver: 's3',
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    bucket: env.S3_BUCKET!,
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.S3_ENDPOINT !== undefined,
    checksums: env.S3_CHECKSUMS,
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
