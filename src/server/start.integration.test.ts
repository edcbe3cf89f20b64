/**
 * The process entry's own behaviour, on a real socket: it listens, serves,
 * and drains on stop (what SIGTERM calls): readiness turns 503 first,
 * requests in flight finish, new connections are refused, the database closes.
 */
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { startServer } from './start';

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('startServer', () => {
  it('serves, then drains: in-flight requests finish and new ones are refused', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'imagegen-start-'));
    // Resolves when the sign-up below has reached the server: the drain must
    // start while it is being handled, not before it arrived.
    let arrived: () => void = () => undefined;
    const signUpArrived = new Promise<void>((resolve) => (arrived = resolve));
    const running = await startServer({
      wrapListener: (listener) => (req, res) => {
        if (req.url === '/api/auth/sign-up/email') arrived();
        listener(req, res);
      },
      env: {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
      handleSignals: false,
    });
    const ready = await get(`${running.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', database: 'ok' });

    // The liveness probe is answered before Hono, exactly as the app's own route answers it.
    const probe = await fetch(`${running.url}/healthz`);
    const viaApp = await fetch(`${running.url}/healthz?via=app`);
    expect(probe.status).toBe(200);
    expect(await probe.text()).toBe(await viaApp.text());
    const headers = (r: Response) =>
      [...r.headers].filter(([name]) => !['date', 'keep-alive', 'connection'].includes(name));
    expect(headers(probe)).toEqual(headers(viaApp));
    expect(probe.headers.get('x-content-type-options')).toBe('nosniff');
    const head = await fetch(`${running.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    // A sign-up hashes a password (tens of milliseconds): still running when the drain starts.
    const inFlight = fetch(`${running.url}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: running.config.publicUrl },
      body: JSON.stringify({
        name: 'Drain',
        email: 'drain@example.test',
        password: 'a long enough passphrase',
      }),
    });
    await signUpArrived;
    const stopped = running.stop();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    await stopped;
    await expect(get(`${running.url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000); // a fresh embedded database is created and migrated: slow on a busy machine
});

describe('startServer with a readiness delay', () => {
  it('answers 503 on /readyz during the delay, then closes', async () => {
    const running = await startServer({
      env: {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'imagegen-start-')),
        LOG_LEVEL: 'silent',
        SHUTDOWN_READINESS_DELAY_SECONDS: '1',
      },
      handleSignals: false,
    });
    const stopped = running.stop();
    const during = await get(`${running.url}/readyz`);
    expect(during.status).toBe(503);
    expect(JSON.parse(during.body)).toMatchObject({ draining: true });
    await stopped;
    await expect(get(`${running.url}/readyz`)).rejects.toThrow(/ECONNREFUSED/);
  }, 60_000);
});

describe('startServer on the embedded database', () => {
  it('vacuums it on the autovacuum_naptime of its data folder (decision 022)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'imagegen-start-'));
    // The data folder's own setting, as an operator would make it: a pass every second.
    const setup = await PGlite.create({ dataDir: path.join(dataDir, 'db') });
    await setup.exec(`alter system set autovacuum_naptime = '1s'`);
    await setup.close();
    const running = await startServer({
      env: { NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      handleSignals: false,
    });
    try {
      const pglite = running.database.pglite!;
      await pglite.exec('create table churned (id int primary key, v int not null)');
      await pglite.query('insert into churned select g, g from generate_series(1, 500) g');
      await pglite.query('update churned set v = v + 1');
      const vacuums = async () =>
        (
          await pglite.query<{ n: number }>(
            `select vacuum_count::int as n from pg_stat_user_tables where relname = 'churned'`,
          )
        ).rows[0]?.n ?? 0;
      const deadline = Date.now() + 15_000;
      while ((await vacuums()) === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await vacuums()).toBeGreaterThanOrEqual(1);
    } finally {
      await running.stop();
    }
  }, 60_000);
});
