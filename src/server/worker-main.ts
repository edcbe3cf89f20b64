/**
 * `npm run worker`: a process that only runs generation jobs and the sweeper
 * (WORKER_MODE=separate in the web processes). Needs PostgreSQL
 * (DATABASE_URL): PGlite belongs to a single process. Several may run.
 */
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/client';
import { createLogger, stdoutDestination } from './log';
import { startPlatform } from './platform';

process.env.NODE_ENV ||= 'production';

try {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new ConfigError('Invalid configuration:\n  DATABASE_URL: a separate worker needs PostgreSQL');
  }
  const destination = stdoutDestination();
  const logger = createLogger({ level: config.logLevel, destination }).child({ process: 'worker' });
  const database = await openDatabase({ driver: 'postgres', url: config.databaseUrl, logger });
  await database.migrate();
  const platform = await startPlatform({ config, logger, database, now: () => new Date(), runWorkers: true });
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info('worker stopping: finishing running jobs');
      platform
        .stop(config.shutdownGraceSeconds)
        .then(() => database.close())
        .then(
          () => {
            logger.info('worker stopped');
            destination.flushSync();
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'worker shutdown failed');
            process.exit(1);
          },
        );
    });
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
