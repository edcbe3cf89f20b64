/**
 * Process-level stacks of the production build (reliability.md 3.0):
 *
 *   S: one `build/app/main.js` on PGlite in a temporary DATA_DIR, with the
 *      generation workers in-process and disk storage. It can be killed with
 *      SIGKILL and restarted on the same DATA_DIR (PGlite reopens its files).
 *   X: a fresh PostgreSQL database (in TEST_DATABASE_URL's cluster), s3rver as
 *      the bucket, 1–2 web processes with WORKER_MODE=separate and N worker
 *      processes (`build/app/worker.js`).
 *
 * Every process listens on 127.0.0.1 only and writes its log to
 * test-results/process/<stack>/<process>.log. Processes are started through an
 * environment variable naming the entry file, so no command line names
 * build/app/*.js: other sessions on the machine clean up their own servers by
 * matching that name (see tests/e2e/global-setup.ts). Processes are signalled
 * by their own pid only.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/server/config';
import { openDatabase, type Database } from '../../src/server/db/client';
import { startLocalS3, type LocalS3 } from './s3rver';
import { withDatabaseName } from './postgres';
import { TEST_PROFILE } from './test-profile';
import { entries, freePort, repoRoot, StackProcess, type ExitInfo } from './stack-process';

export { freePort, sleep, StackProcess, type ExitInfo, type ProcessRole } from './stack-process';
export { repoRoot };

const serverBuild = path.join(repoRoot, 'build', 'server', 'index.js');

/** Why the process tests cannot run (the production build is missing), or undefined. */
export function missingBuildReason(): string | undefined {
  const missing = [entries.web, entries.worker, serverBuild].filter((file) => !existsSync(file));
  if (missing.length === 0) return undefined;
  return `${missing.map((file) => path.relative(repoRoot, file)).join(', ')} missing; run \`npm run build\` first`;
}

/** Why the X stacks cannot run (no PostgreSQL to create databases in), or undefined. */
export function missingPostgresReason(): string | undefined {
  return process.env.TEST_DATABASE_URL
    ? undefined
    : 'TEST_DATABASE_URL is not set (run `eval "$(scripts/pg-test-cluster.sh start)"`)';
}

export interface Stack {
  mode: 'S' | 'X';
  name: string;
  /** PUBLIC_URL of every web process; clients send it as Origin. */
  publicUrl: string;
  /** The processes that answer HTTP (S: the one server). */
  webs: StackProcess[];
  /** The processes that run generation jobs (S: the same server). */
  workers: StackProcess[];
  processes: StackProcess[];
  /** The environment every process shares, for loadConfig in the checker. */
  env: Record<string, string>;
  /** The configuration the processes run with (shared settings). */
  config: Config;
  /** Places the stack's objects can show up in a leaked URL: the bucket endpoint or the storage folder. */
  storageLocations: string[];
  /** S: the server must be stopped first (PGlite belongs to one process). */
  openDatabase(): Promise<Database>;
  /** SIGTERM to every running process (webs first), each awaited; returns the exits. */
  stopAll(): Promise<Record<string, ExitInfo>>;
  /** Log tails of every process, for failure messages. */
  logTails(lines?: number): string;
  /** Kills what still runs and removes the database, the bucket and the temporary folders. */
  teardown(): Promise<void>;
}

export interface StackOptions {
  /** Names the log folder (and, in X, part of the database name). */
  name: string;
  /** Settings for every process, on top of the test profile. */
  env?: Record<string, string>;
  /** X: settings for the web processes only. */
  webEnv?: Record<string, string>;
  /** X: settings for the worker processes only. */
  workerEnv?: Record<string, string>;
  /** X: web processes (default 1). */
  webs?: number;
  /** X: worker processes (default 2). */
  workers?: number;
  /** X: start the workers too (default true); tests that start them one by one pass false. */
  startWorkers?: boolean;
}

function logFolder(name: string): string {
  const folder = path.join(repoRoot, 'test-results', 'process', name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  return folder;
}

function sharedEnv(options: StackOptions, publicUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
    APP_SECRET: `stack-${randomBytes(24).toString('hex')}`,
    LOG_LEVEL: 'info',
    // Render threads cost ~80 MB each; these tests render no pages.
    RENDER_THREADS: '0',
    // Tests sign many members up from 127.0.0.1.
    RATE_LIMIT_SIGN_UP_PER_HOUR: '10000',
    RATE_LIMIT_SIGN_IN_PER_MINUTE: '10000',
    STARTER_CREDITS: '100',
    SHUTDOWN_GRACE_SECONDS: '25',
    ...TEST_PROFILE,
    ...options.env,
  };
}

async function stopAllOf(processes: StackProcess[]): Promise<Record<string, ExitInfo>> {
  const exits: Record<string, ExitInfo> = {};
  for (const proc of processes) if (proc.isRunning()) exits[proc.name] = await proc.terminate();
  return exits;
}

/** Mode S: one production server on PGlite with in-process workers and disk storage. */
export async function startSStack(options: StackOptions): Promise<Stack> {
  const folder = logFolder(options.name);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'imagegen-stack-s-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...sharedEnv(options, publicUrl),
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    WORKER_MODE: 'inline',
    STORAGE_DRIVER: 'disk',
  };
  const server = new StackProcess({
    name: 'server',
    role: 'server',
    logFile: path.join(folder, 'server.log'),
    env: { ...env, PORT: String(port) },
    port,
  });
  const config = loadConfig(env);
  const stack: Stack = {
    mode: 'S',
    name: options.name,
    publicUrl,
    webs: [server],
    workers: [server],
    processes: [server],
    env,
    config,
    storageLocations: [dataDir],
    async openDatabase() {
      if (server.isRunning()) throw new Error('stop the S server before opening its PGlite database');
      return openDatabase({ driver: 'pglite', dataDir: path.join(dataDir, 'db') });
    },
    stopAll: () => stopAllOf([server]),
    logTails: (lines) => server.tail(lines),
    async teardown() {
      await server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await stack.teardown();
    throw error;
  }
  return stack;
}

/** Mode X: PostgreSQL, s3rver, web processes (WORKER_MODE=separate) and separate workers. */
export async function startXStack(options: StackOptions): Promise<Stack> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error(missingPostgresReason());
  const folder = logFolder(options.name);
  const databaseName = `imagegen_stack_${options.name.replace(/\W+/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = withDatabaseName(adminUrl, databaseName);
  const scratch = mkdtempSync(path.join(tmpdir(), 'imagegen-stack-x-'));
  const ports = await Promise.all(Array.from({ length: options.webs ?? 1 }, () => freePort()));
  const publicUrl = `http://127.0.0.1:${ports[0]}`;

  let s3: LocalS3 | undefined;
  const processes: StackProcess[] = [];
  let databaseCreated = false;
  const teardown = async () => {
    await Promise.all(processes.map((proc) => proc.kill()));
    await s3?.stop();
    if (databaseCreated) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${databaseName} with (force)`);
      await admin.end();
    }
    rmSync(scratch, { recursive: true, force: true });
  };

  try {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${databaseName}`);
    databaseCreated = true;
    await admin.end();
    s3 = await startLocalS3('images');

    const env = {
      ...sharedEnv(options, publicUrl),
      // Unused on PostgreSQL, except that a process with no APP_SECRET would write one here.
      DATA_DIR: scratch,
      DATABASE_URL: databaseUrl,
      WORKER_MODE: 'separate',
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    };
    const webs = ports.map(
      (port, index) =>
        new StackProcess({
          name: `web${index + 1}`,
          role: 'web',
          logFile: path.join(folder, `web${index + 1}.log`),
          env: { ...env, ...options.webEnv, PORT: String(port) },
          port,
        }),
    );
    const workers = Array.from(
      { length: options.workers ?? 2 },
      (_, index) =>
        new StackProcess({
          name: `worker${index + 1}`,
          role: 'worker',
          logFile: path.join(folder, `worker${index + 1}.log`),
          env: { ...env, ...options.workerEnv },
        }),
    );
    processes.push(...webs, ...workers);
    // The first web process migrates the database alone; the others then find it migrated.
    await webs[0]!.start();
    await Promise.all([
      ...webs.slice(1).map((web) => web.start()),
      ...(options.startWorkers === false ? [] : workers.map((worker) => worker.start())),
    ]);
    const config = loadConfig(env);
    return {
      mode: 'X',
      name: options.name,
      publicUrl,
      webs,
      workers,
      processes,
      env,
      config,
      storageLocations: [new URL(s3.endpoint).host],
      openDatabase: () => openDatabase({ driver: 'postgres', url: databaseUrl, poolSize: 2 }),
      stopAll: () => stopAllOf(processes),
      logTails: (lines) => processes.map((proc) => proc.tail(lines)).join('\n'),
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}
