/** What the generation pipeline needs from the platform. */
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { JobQueue } from '../jobs/queue';
import type { ProviderRegistry } from '../providers/registry';
import type { ObjectStorage } from '../storage/object-storage';
import type { GenerationEvents } from './events';

export interface GenerationDeps {
  db: Db;
  config: Config;
  logger: Logger;
  now: () => Date;
  queue: JobQueue;
  storage: ObjectStorage;
  providers: ProviderRegistry;
  events: GenerationEvents;
}
