import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

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
