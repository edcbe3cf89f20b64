import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, holdTimeoutFloor, isPubliclyReachable, loadConfig } from './config';

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'imagegen-config-'));

describe('loadConfig', () => {
  it('has working defaults with no keys at all', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.secureCookies).toBe(false);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.appSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('creates the app secret once, private to the owner, and reuses it', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).appSecret;
    expect(loadConfig({ DATA_DIR: dir }).appSecret).toBe(first);
    const file = path.join(dir, 'app-secret');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('treats empty strings as missing', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), PORT: '', PUBLIC_URL: '  ', DATABASE_URL: '' });
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
  });

  it('derives secure cookies from an https public URL and strips its trailing slash', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), PUBLIC_URL: 'https://img.example.com/' });
    expect(config.publicUrl).toBe('https://img.example.com');
    expect(config.secureCookies).toBe(true);
  });

  it('names every bad variable in one error', () => {
    expect(() =>
      loadConfig({ DATA_DIR: dataDir(), PORT: 'eighty', DATABASE_URL: 'mysql://x', APP_SECRET: 'short' }),
    ).toThrow(ConfigError);
    try {
      loadConfig({ DATA_DIR: dataDir(), PORT: 'eighty', DATABASE_URL: 'mysql://x', APP_SECRET: 'short' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('APP_SECRET');
      expect(message).not.toContain('short'); // a rejected secret is never echoed
    }
  });
});

describe('generation settings', () => {
  const base = { APP_SECRET: 'x'.repeat(32), DATA_DIR: '/tmp/imagegen-config-test' };

  it('defaults the hold timeout to the floor pg-boss needs, and refuses anything shorter', () => {
    const config = loadConfig(base);
    expect(config.generation.holdTimeoutSeconds).toBe((900 + 60) * 3 + 5 * 2);
    expect(holdTimeoutFloor(config.jobs)).toBe(2890);
    expect(() => loadConfig({ ...base, HOLD_TIMEOUT_SECONDS: '2889' })).toThrow(/HOLD_TIMEOUT_SECONDS/);
    expect(loadConfig({ ...base, HOLD_TIMEOUT_SECONDS: '2890' }).generation.holdTimeoutSeconds).toBe(2890);
  });

  it('uses the test profile of the reliability plan with B = 95 s', () => {
    const config = loadConfig({
      ...base,
      JOB_EXPIRE_SECONDS: '20',
      JOB_HEARTBEAT_SECONDS: '10',
      JOB_MONITOR_INTERVAL_SECONDS: '1',
      JOB_RETRY_LIMIT: '2',
      JOB_RETRY_DELAY_SECONDS: '1',
      HOLD_TIMEOUT_SECONDS: '90',
      SWEEP_INTERVAL_SECONDS: '5',
      GENERATION_ATTEMPT_TIMEOUT_SECONDS: '2',
    });
    expect(holdTimeoutFloor(config.jobs)).toBe(65);
    expect(config.generation.holdTimeoutSeconds + config.generation.sweepIntervalSeconds).toBe(95);
  });

  it('refuses settings where a job cannot spend its attempts before it expires', () => {
    expect(() =>
      loadConfig({ ...base, GENERATION_ATTEMPT_TIMEOUT_SECONDS: '200', GENERATION_MAX_ATTEMPTS: '5' }),
    ).toThrow(/JOB_EXPIRE_SECONDS/);
    expect(() => loadConfig({ ...base, JOB_HEARTBEAT_SECONDS: '900' })).toThrow(/JOB_HEARTBEAT_SECONDS/);
  });

  it('needs PostgreSQL for separate workers, and all S3 settings for the S3 driver', () => {
    expect(() => loadConfig({ ...base, WORKER_MODE: 'separate' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ ...base, STORAGE_DRIVER: 's3', S3_BUCKET: 'b' })).toThrow(
      /S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY/,
    );
    const s3 = loadConfig({
      ...base,
      STORAGE_DRIVER: 's3',
      S3_BUCKET: 'images',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
    }).storage;
    expect(s3).toMatchObject({ driver: 's3', bucket: 'images', forcePathStyle: true });
    expect(loadConfig(base).storage).toEqual({ driver: 'disk', root: '/tmp/imagegen-config-test/storage' });
  });
});

describe('admins and providers', () => {
  it('reads ADMIN_EMAILS lower-cased, without blanks', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), ADMIN_EMAILS: ' Ops@Example.com ,, b@example.com ' });
    expect(config.adminEmails).toEqual(['ops@example.com', 'b@example.com']);
    expect(loadConfig({ DATA_DIR: dataDir() }).adminEmails).toEqual([]);
  });

  it('collects PROVIDER_<ID>_API_KEY and _BASE_URL by provider id', () => {
    const config = loadConfig({
      DATA_DIR: dataDir(),
      PROVIDER_OPENAI_API_KEY: 'sk-1',
      PROVIDER_OPENAI_BASE_URL: 'http://127.0.0.1:4010/v1/',
      PROVIDER_OPENAI_COMPATIBLE_BASE_URL: 'http://gpu.internal:8000/v1',
      PROVIDER_FAL_API_KEY: '',
      PROVIDER_WEBHOOKS: 'off',
    });
    expect(config.providerEnv).toEqual({
      openai: { apiKey: 'sk-1', baseUrl: 'http://127.0.0.1:4010/v1' },
      openai_compatible: { baseUrl: 'http://gpu.internal:8000/v1' },
    });
  });

  it('refuses a provider base URL that is not http(s), naming the variable', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), PROVIDER_REPLICATE_BASE_URL: 'ftp://x' })).toThrow(
      /PROVIDER_REPLICATE_BASE_URL: must be an http\(s\) URL/,
    );
  });

  it('asks for webhooks only where providers can reach the public URL, unless told', () => {
    expect(isPubliclyReachable('https://images.example.com')).toBe(true);
    for (const url of [
      'http://images.example.com',
      'https://localhost:3000',
      'https://10.0.0.5',
      'https://box.local',
      'https://app.internal',
      'https://[::1]:3000',
    ]) {
      expect(isPubliclyReachable(url), url).toBe(false);
    }
    const base = { DATA_DIR: dataDir() };
    expect(loadConfig(base).providerWebhooks).toBe(false);
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://images.example.com' }).providerWebhooks).toBe(true);
    expect(
      loadConfig({ ...base, PUBLIC_URL: 'https://images.example.com', PROVIDER_WEBHOOKS: 'off' })
        .providerWebhooks,
    ).toBe(false);
    expect(loadConfig({ ...base, PROVIDER_WEBHOOKS: 'on' }).providerWebhooks).toBe(true);
  });
});
