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
import { billingEnvShape, billingSettingsFromEnv, type BillingSettings } from './billing/settings';
import { defaultTextModels, textProviderIds, type TextProviderId } from './llm/text-providers';
import { parseAllowlist } from './net/safe-fetch';
import { ProviderOptionsError, providerSettingsFromEnv, type ProviderEnvSettings } from './providers/env';
import {
  localProviderEnvShape,
  localProviderOptionsFromEnv,
  type LocalProviderOptions,
} from './providers/local/options';

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

  /** Comma-separated emails that are made admins when they sign up or at boot (decision 016). */
  ADMIN_EMAILS: optionalString,
  /**
   * Whether Replicate and fal are asked to post webhooks to PUBLIC_URL:
   * `auto` when PUBLIC_URL is an https URL on a public host name, else polling only.
   */
  PROVIDER_WEBHOOKS: z.preprocess(emptyToUndefined, z.enum(['auto', 'on', 'off']).default('auto')),

  /** Credits granted to every new member (0 = none). */
  STARTER_CREDITS: int(20, 0, 1_000_000),
  /** `inline`: this process also runs the generation workers; `separate`: it only enqueues (run `npm run worker`). */
  WORKER_MODE: z.preprocess(emptyToUndefined, z.enum(['inline', 'separate']).default('inline')),
  /** Generations one worker process runs at the same time. */
  WORKER_CONCURRENCY: int(8, 1, 256),
  /** Seconds one provider call may take before it is aborted (and retried if attempts remain). */
  GENERATION_ATTEMPT_TIMEOUT_SECONDS: int(120, 1, 3600),
  /** Provider calls per generation, across retries (fallback routes included). */
  GENERATION_MAX_ATTEMPTS: int(5, 1, 20),
  /** Backoff before the first retry, in milliseconds (doubles, with jitter). */
  GENERATION_RETRY_BASE_MS: int(500, 0, 60_000),
  /** Unfinished generations one member may have at once; more answer 429. */
  GENERATION_MAX_ACTIVE_PER_USER: int(50, 1, 10_000),
  /** pg-boss: a job still active after this long is failed and retried. */
  JOB_EXPIRE_SECONDS: int(900, 10, 86_400),
  /** pg-boss: a running job writes a heartbeat this often; a job missing it is presumed dead. */
  JOB_HEARTBEAT_SECONDS: int(30, 10, 3_600),
  /** pg-boss: how often expired jobs and missed heartbeats are looked for. */
  JOB_MONITOR_INTERVAL_SECONDS: int(60, 1, 600),
  /** pg-boss: times a job is run again after a crash, expiry or lost heartbeat. */
  JOB_RETRY_LIMIT: int(2, 0, 20),
  /** pg-boss: seconds before such a rerun. */
  JOB_RETRY_DELAY_SECONDS: int(5, 0, 3_600),
  /** pg-boss: how often a free worker looks for queued jobs (a new job also wakes idle workers at once by NOTIFY). */
  JOB_POLLING_INTERVAL_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(0.5).max(60).default(2)),
  /**
   * A credit hold still open after this long is voided by the sweeper. Must cover every
   * run pg-boss may still make (checked at boot, see holdTimeoutFloor). Default: the floor.
   */
  HOLD_TIMEOUT_SECONDS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number()
      .int()
      .min(10)
      .max(7 * 86_400)
      .optional(),
  ),
  /** How often the sweeper looks for generations whose job died or whose hold expired. */
  SWEEP_INTERVAL_SECONDS: int(30, 1, 3_600),

  /** Where images are stored: `disk` (DATA_DIR/storage) or an S3-compatible bucket. */
  STORAGE_DRIVER: z.preprocess(emptyToUndefined, z.enum(['disk', 's3']).default('disk')),
  /** Folder for the disk driver. Default: DATA_DIR/storage. */
  STORAGE_DIR: optionalString,
  S3_ENDPOINT: z.preprocess(emptyToUndefined, z.url().optional()),
  S3_REGION: z.preprocess(emptyToUndefined, z.string().default('us-east-1')),
  S3_BUCKET: optionalString,
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  /** Path-style URLs (http://host/bucket/key), needed by MinIO and most self-hosted servers. Default: on when S3_ENDPOINT is set. */
  S3_FORCE_PATH_STYLE: z.preprocess(emptyToUndefined, z.stringbool().optional()),
  /** `when_required` for stores that reject the SDK's default CRC32 checksum headers. */
  S3_CHECKSUMS: z.preprocess(
    emptyToUndefined,
    z.enum(['when_supported', 'when_required']).default('when_supported'),
  ),
  /** Largest image accepted from a provider or an upload, in megapixels (sharp's own default is 268). */
  IMAGE_MAX_MEGAPIXELS: int(40, 1, 268),
  /** Largest reference-image upload, in bytes, counted while the body streams in (413 above); 10 MiB. */
  UPLOAD_MAX_BYTES: int(10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  /** Uploads (files and URLs) one member may start per hour. */
  RATE_LIMIT_UPLOADS_PER_HOUR: int(120, 1, 100_000),
  /** Uploads one member may keep; deleting frees room. */
  UPLOAD_MAX_PER_MEMBER: int(1000, 1, 1_000_000),
  /**
   * Comma-separated addresses (`10.0.0.5`, `10.0.0.5:8080`, `[fd00::5]:80`) that image URLs from
   * members may reach although they are not public. For tests and closed networks; empty by default.
   */
  UPLOAD_URL_ALLOWLIST: optionalString,

  /** Prompt help (decision 017): whose text model enhances and translates prompts; its key is that provider's. */
  PROMPT_LLM_PROVIDER: z.preprocess(emptyToUndefined, z.enum(textProviderIds).default('deepseek')),
  /** The text model's id. Default: the provider's in src/server/llm/text-providers.ts (deepseek-flash, …). */
  PROMPT_LLM_MODEL: optionalString,
  /** Credits one enhancement or translation costs; 0 (the default) makes them free. */
  PROMPT_ENHANCE_CREDITS: int(0, 0, 1_000),
  /** Seconds the text model may take; a member is waiting, so far less than an image's budget. */
  PROMPT_LLM_TIMEOUT_SECONDS: int(30, 1, 300),
  /** Enhancements and translations one member may ask for per hour (each is a paid call to the provider). */
  RATE_LIMIT_PROMPT_ENHANCE_PER_HOUR: int(60, 1, 100_000),

  /** The built-in offline provider's simulated latency and faults (decision 014). */
  ...localProviderEnvShape,
  ...billingEnvShape,
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
