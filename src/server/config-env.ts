/**
 * The environment variables the platform reads, with their defaults and
 * bounds: parsed by config.ts's loadConfig, the only reader of process.env.
 * Empty strings count as missing, so `FOO=` in an env file means "use the default".
 */
import { z } from 'zod';
import { billingEnvShape } from './billing/settings';
import { textProviderIds } from './llm/text-providers';
import { localProviderEnvShape } from './providers/local/options';

const emptyToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const int = (fallback: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

export const envSchema = z.object({
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
