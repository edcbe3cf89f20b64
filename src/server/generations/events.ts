/**
 * Live status of generations, across processes. A status change is announced
 * with `pg_notify` inside the transaction that makes it, so listeners hear of
 * it exactly when it commits (and never of a change that rolled back). Each
 * process keeps one LISTEN connection and fans notifications out to its
 * subscribers (SSE streams, the worker's cancel watch). Notifications carry
 * ids and the status only; subscribers re-read the row, which also enforces
 * ownership. After the listening connection is lost, subscribers are told to
 * resync, since PostgreSQL does not redeliver what was missed.
 */
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database, Db } from '../db/client';
import { generations, type GenerationStatus } from '../db/schema';

export const GENERATION_CHANNEL = 'generation_events';

export interface GenerationEvent {
  id: string;
  userId: string;
  status: GenerationStatus;
  /**
   * `provider_update`: no change of ours, but a verified provider webhook
   * says the generation's work changed, so the worker waiting on it should
   * poll now (webhooks/provider-webhooks.ts).
   */
  kind?: 'provider_update';
}

type Listener = (event: GenerationEvent | 'resync') => void;

/** Announces a change; call it inside the transaction that makes the change. */
export async function announce(tx: Pick<Db, 'execute'>, event: GenerationEvent): Promise<void> {
  await tx.execute(sql`select pg_notify(${GENERATION_CHANNEL}, ${JSON.stringify(event)})`);
}

/**
 * The same announcement as a RETURNING column of the statement that inserts
 * or updates the generation: each row it writes is announced with `status`
 * by that statement itself, which saves a round trip, and needs no
 * transaction around the two when the statement is the whole change.
 */
export function announcedColumn(status: GenerationStatus): SQL<string> {
  return sql<string>`pg_notify(${GENERATION_CHANNEL}, json_build_object('id', ${generations.id}, 'userId', ${generations.userId}, 'status', ${status}::text)::text)`;
}

export interface GenerationEvents {
  /** Calls `listener` for events of this generation; returns the unsubscribe function. */
  subscribe(generationId: string, listener: Listener): () => void;
  /** Every event (the worker watches for cancels). */
  subscribeAll(listener: Listener): () => void;
  close(): Promise<void>;
}

export async function startGenerationEvents(
  database: Database,
  options: { url?: string | undefined; logger: Logger },
): Promise<GenerationEvents> {
  const byId = new Map<string, Set<Listener>>();
  const everyone = new Set<Listener>();
  const dispatch = (payload: string) => {
    let event: GenerationEvent;
    try {
      event = JSON.parse(payload) as GenerationEvent;
    } catch {
      return;
    }
    for (const listener of [...everyone, ...(byId.get(event.id) ?? [])]) listener(event);
  };
  const resyncAll = () => {
    for (const listener of [...everyone, ...[...byId.values()].flatMap((set) => [...set])])
      listener('resync');
  };

  let close: () => Promise<void>;
  if (database.driver === 'pglite') {
    close = await database.pglite!.listen(GENERATION_CHANNEL, dispatch);
  } else {
    close = await listenOnPostgres(options.url!, dispatch, resyncAll, options.logger);
  }

  return {
    subscribe(generationId, listener) {
      let set = byId.get(generationId);
      if (!set) byId.set(generationId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) byId.delete(generationId);
      };
    },
    subscribeAll(listener) {
      everyone.add(listener);
      return () => everyone.delete(listener);
    },
    close: () => close(),
  };
}

/**
 * One dedicated connection for LISTEN. On error it reconnects with backoff
 * (capped at 5 s) and then asks every subscriber to resync.
 */
async function listenOnPostgres(
  url: string,
  dispatch: (payload: string) => void,
  resync: () => void,
  logger: Logger,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let closed = false;
  let delay = 100;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (isReconnect: boolean) => {
    const next = new pg.Client({ connectionString: url, keepAlive: true });
    next.on('notification', (message) => {
      if (message.channel === GENERATION_CHANNEL && message.payload) dispatch(message.payload);
    });
    next.on('error', (error) => {
      logger.warn({ err: error }, 'generation events: listening connection lost');
      scheduleReconnect();
    });
    next.on('end', () => {
      if (!closed && client === next) scheduleReconnect();
    });
    await next.connect();
    await next.query(`listen ${GENERATION_CHANNEL}`);
    client = next;
    delay = 100;
    if (isReconnect) {
      logger.info('generation events: listening again');
      resync();
    }
  };

  const scheduleReconnect = () => {
    if (closed || timer) return;
    const old = client;
    client = undefined;
    void old?.end().catch(() => {});
    timer = setTimeout(() => {
      timer = undefined;
      connect(true).catch((error: unknown) => {
        logger.warn({ err: error }, 'generation events: reconnect failed');
        delay = Math.min(delay * 2, 5_000);
        scheduleReconnect();
      });
    }, delay);
    timer.unref();
  };

  await connect(false);
  return async () => {
    closed = true;
    if (timer) clearTimeout(timer);
    await client?.end().catch(() => {});
  };
}
