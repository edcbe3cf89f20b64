import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, holdTimeoutFloor, loadConfig } from './config';

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
