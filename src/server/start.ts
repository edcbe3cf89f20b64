/**
 * Boots the platform: config (parsed once), logger, database (migrated),
 * auth, the Hono app, the HTTP listener, and a graceful drain on SIGTERM.
 * Used by main.ts (production) and scripts/dev.mjs (development).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { createApp } from './app';
import { guardedResponseClass } from './http/cookie-guard';
import { defaultSecurityHeaders } from './http/security-headers';
import { createAuth } from './auth/auth';
import { startPlatform } from './platform';
import { loadConfig, type Config } from './config';
import { openDatabase, type Database } from './db/client';
import { startPgliteMaintenance } from './db/pglite-maintenance';
import type { AppDeps } from './http/context';
import { createLogger, stdoutDestination, type Logger } from './log';
import { answerFromMemory } from './pages/from-memory';
import { loadServedFiles, type PagesOptions } from './pages/handler';

const HEALTHZ_BODY = '{"status":"ok"}';
const HEALTHZ_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'content-length': String(Buffer.byteLength(HEALTHZ_BODY)),
};
export interface RunningServer {
  url: string;
  config: Config;
  logger: Logger;
  database: Database;
  /** Stops accepting, lets in-flight requests finish (bounded), closes the database. */
  stop(): Promise<void>;
}

export async function openDatabaseFor(config: Config, logger: Logger): Promise<Database> {
  return config.databaseUrl
    ? openDatabase({ driver: 'postgres', url: config.databaseUrl, logger })
    : openDatabase({ driver: 'pglite', dataDir: path.join(config.dataDir, 'db'), logger });
}

export async function startServer(options: {
  /** The pages to serve; without them the server answers only /healthz, /readyz and /api. */
  pages?: (config: Config, deps: AppDeps) => PagesOptions | Promise<PagesOptions>;
  env?: Record<string, string | undefined>;
  /** Puts something in front of the app's listener (development: Vite's middlewares). */
  wrapListener?: (listener: RequestListener) => RequestListener;
  handleSignals?: boolean;
}): Promise<RunningServer> {
  const config = loadConfig(options.env);
  const logDestination = stdoutDestination();
  const logger = createLogger({ level: config.logLevel, destination: logDestination });
  const database = await openDatabaseFor(config, logger);
  await database.migrate();
  // PGlite has no autovacuum: the platform does its job (decision 022).
  const maintenance = database.pglite ? startPgliteMaintenance(database.pglite, logger) : undefined;
  const auth = createAuth({ config, db: database.db, logger });
  const platform = await startPlatform({
    config,
    logger,
    database,
    now: () => new Date(),
    runWorkers: config.worker.mode === 'inline',
  });
  let draining = false;
  const deps: AppDeps = {
    config,
    database,
    auth,
    logger,
    now: platform.generation.now,
    generation: platform.generation,
    billing: platform.billing,
    isDraining: () => draining,
  };
  const pages = options.pages ? await options.pages(config, deps) : undefined;
  // Production: the client build in memory, which the listener serves itself to cookieless requests.
  const served = pages?.clientDir ? loadServedFiles(pages, config.secureCookies) : undefined;
  const app = createApp(deps, pages && served ? { ...pages, served } : pages, { guardedByNode: true });
  const honoListener = getRequestListener(app.fetch);
  const listener: RequestListener = (req, res) => {
    // Liveness probes come every few seconds from every balancer: answered
    // here, before the request is turned into a Fetch Request for Hono (about
    // a third of a probe's cost), with the same body and headers as the app's
    // own /healthz route, which in-process use (tests) still reaches. The
    // response class adds the security headers as for every response.
    if (req.url === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { ...HEALTHZ_HEADERS });
      res.end(req.method === 'GET' ? HEALTHZ_BODY : undefined);
      return;
    }
    if (served && answerFromMemory(served, logger, req, res)) return;
    void honoListener(req, res);
  };
  const server: Server = createServer(
    {
      // Adds the default security headers and enforces the cookie registry
      // where the response head is written (see http/cookie-guard.ts).
      ServerResponse: guardedResponseClass({
        secure: config.secureCookies,
        now: deps.now,
        defaults: defaultSecurityHeaders({ https: config.secureCookies }),
        logger,
      }),
    },
    options.wrapListener ? options.wrapListener(listener) : listener,
  );
  // Longer than a typical load balancer's idle timeout (60 s), so the LB closes first.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${address.port}`;
  logger.info({ url, publicUrl: config.publicUrl, database: database.driver }, 'listening');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      if (config.shutdownReadinessDelaySeconds > 0) {
        logger.info(
          { seconds: config.shutdownReadinessDelaySeconds },
          'draining: /readyz answers 503 before closing',
        );
        await new Promise((resolve) => setTimeout(resolve, config.shutdownReadinessDelaySeconds * 1000));
      }
      logger.info('draining: no new connections; waiting for in-flight requests');
      // Workers stop fetching at once and finish their running jobs meanwhile.
      const platformStopped = platform.stop(config.shutdownGraceSeconds);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle when their last request finishes:
      // close them as they do, rather than when the grace period runs out.
      server.closeIdleConnections();
      const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
      const grace = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, config.shutdownGraceSeconds * 1000, 'timeout').unref(),
      );
      if ((await Promise.race([closed, grace])) === 'timeout') {
        logger.warn('grace period over; closing remaining connections');
        server.closeAllConnections();
      }
      clearInterval(idleSweep);
      await platformStopped;
      // Render workers may still ask for sessions while they finish: before the database.
      await pages?.renderPool?.close();
      await maintenance?.stop();
      await database.close();
      logger.info('stopped');
      logDestination.flushSync();
    })());

  if (options.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        stop().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      });
    }
  }
  return { url, config, logger, database, stop };
}
