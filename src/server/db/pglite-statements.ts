/**
 * Named prepared statements for PGlite's query().
 *
 * PGlite's query() sends every statement as an unnamed one: Parse, Describe,
 * Bind, Describe, Execute and Sync, each a separate call into the
 * WebAssembly backend, which parses, analyses, rewrites and plans the text
 * again every time. On this platform's short OLTP statements that is most of
 * the cost: a primary-key read takes about 190 µs through query() and 50 µs
 * from a prepared statement, and planning the ledger's hold statement (seven
 * data-modifying CTEs) alone takes about 2.5 ms. So each distinct text is
 * prepared once under its own name, its parameter types and row description
 * kept, and then run with one call: Bind, Execute and Sync together. Results
 * are what query() returns: the same parsing of the same messages.
 *
 * Plans: PostgreSQL plans a prepared statement for its parameters the first
 * five times, then keeps one generic plan if that is estimated no dearer
 * (`plan_cache_mode = auto`, the default). A generic plan is costed for the
 * tables as they were when it was made, and PGlite has no autovacuum whose
 * statistics would ever make it think again: a plan chosen while a table was
 * small (a scan of every row instead of a partial index whose predicate a
 * parameter decides, like the sweeper's scan of unfinished generations)
 * would stay as the table grew. So a statement is prepared again once it is
 * MAX_AGE_MS old, and its plans are chosen again for the tables as they are.
 *
 * The most recently used STATEMENT_LIMIT statements stay; older ones are
 * closed with the next statement prepared. A statement whose cached plan no
 * longer fits the schema (a column added under a `select *`) is prepared
 * again, and run again when no transaction has seen the error.
 */
import { parse, protocol, type PGlite, type QueryOptions, type Results } from '@electric-sql/pglite';

const { serialize } = protocol;
type BackendMessage = Awaited<ReturnType<PGlite['execProtocolStream']>>[number];

/** How many prepared statements an instance keeps; the platform uses fewer than this. */
export const STATEMENT_LIMIT = 400;

/** How long a prepared statement is kept before its plans are chosen again (see above). */
export const MAX_AGE_MS = 5 * 60_000;

interface Prepared {
  name: string;
  /** When it was prepared (the clock's milliseconds). */
  preparedAt: number;
  /** The parameters' type oids, as the server inferred them. */
  paramTypes: number[];
  /** The statement's row description; undefined when it returns no rows. */
  description: BackendMessage | undefined;
}

/** Where a statement runs: on its own (PGlite syncs the files afterwards) or inside a transaction. */
export type StatementScope = 'client' | 'transaction';

export interface PreparedStatements {
  /** Runs one statement as PGlite's query() does. The caller holds PGlite's locks. */
  run<T>(
    text: string,
    params: unknown[] | undefined,
    options: QueryOptions | undefined,
    scope: StatementScope,
  ): Promise<Results<T>>;
  /** How many statements are prepared now. */
  readonly size: number;
}

export interface StatementOptions {
  limit?: number;
  maxAgeMs?: number;
  /** The clock, in milliseconds (tests move it). */
  now?: () => number;
}

export function preparedStatements(client: PGlite, options: StatementOptions = {}): PreparedStatements {
  const { limit = STATEMENT_LIMIT, maxAgeMs = MAX_AGE_MS, now = () => performance.now() } = options;
  /** In order of last use, oldest first. */
  const statements = new Map<string, Prepared>();
  /** Names no longer in use, closed with the next statement prepared. */
  const retired: string[] = [];
  let counter = 0;

  async function prepare(key: string, text: string, options: QueryOptions | undefined): Promise<Prepared> {
    const name = `pgl_${(++counter).toString(36)}`;
    for (const [oldest, statement] of statements) {
      if (statements.size < limit) break;
      statements.delete(oldest);
      retired.push(statement.name);
    }
    const parts = retired.splice(0).map((closed) => serialize.close({ type: 'S', name: closed }));
    parts.push(
      serialize.parse({ name, text, ...(options?.paramTypes ? { types: options.paramTypes } : {}) }),
      serialize.describe({ type: 'S', name }),
      serialize.sync(),
    );
    const messages = await client.execProtocolStream(Buffer.concat(parts), {
      syncToFs: false,
      ...(options?.onNotice ? { onNotice: options.onNotice } : {}),
    });
    const prepared: Prepared = {
      name,
      preparedAt: now(),
      paramTypes: parse.parseDescribeStatementResults(messages),
      description: messages.find((message) => message.name === 'rowDescription'),
    };
    statements.set(key, prepared);
    return prepared;
  }

  async function execute(prepared: Prepared, params: unknown[], options: QueryOptions | undefined) {
    const values = params.map((param, index) => {
      if (param === null || param === undefined) return null;
      const oid = prepared.paramTypes[index] ?? 0;
      const toText = options?.serializers?.[oid] ?? client.serializers[oid];
      // What PGlite's query() does with a type it has no serializer for.
      return toText ? toText(param) : (param as { toString(): string }).toString();
    });
    return client.execProtocolStream(
      Buffer.concat([
        serialize.bind({ statement: prepared.name, values }),
        serialize.execute({}),
        serialize.sync(),
      ]),
      { syncToFs: false, ...(options?.onNotice ? { onNotice: options.onNotice } : {}) },
    );
  }

  async function run<T>(
    text: string,
    params: unknown[] = [],
    options: QueryOptions | undefined,
    scope: StatementScope,
  ): Promise<Results<T>> {
    const key = options?.paramTypes ? `${options.paramTypes.join(',')}:${text}` : text;
    let messages: BackendMessage[];
    let prepared: Prepared | undefined;
    try {
      for (let attempt = 0; ; attempt++) {
        prepared = statements.get(key);
        if (prepared) statements.delete(key);
        if (prepared && now() - prepared.preparedAt > maxAgeMs) {
          retired.push(prepared.name);
          prepared = undefined;
        }
        if (prepared) statements.set(key, prepared);
        else prepared = await prepare(key, text, options);
        try {
          messages = await execute(prepared, params, options);
          break;
        } catch (error) {
          if (!isStale(error)) throw error;
          // Closing a statement the server no longer has is not an error.
          statements.delete(key);
          retired.push(prepared.name);
          if (error.code === '26000') {
            for (const statement of statements.values()) retired.push(statement.name);
            statements.clear();
          }
          // Inside a transaction the error has aborted it; on its own nothing ran, so run it again.
          if (scope === 'transaction' || attempt > 0) throw error;
        }
      }
    } catch (error) {
      // As PGlite's query() reports a database error: with the statement and its parameters.
      if (error instanceof Error && 'severity' in error) {
        Object.assign(error, { query: text, params, queryOptions: options });
      }
      throw error;
    }
    if (scope === 'client') await client.syncToFs();
    const description = prepared.description;
    return parse.parseResults(
      description ? [description, ...messages] : messages,
      client.parsers,
      options,
    )[0] as Results<T>;
  }

  return {
    run,
    get size() {
      return statements.size;
    },
  };
}

/** A cached plan whose result no longer fits the schema, or a prepared statement that is gone. */
function isStale(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: string };
  return code === '26000' || (code === '0A000' && error.message.includes('cached plan'));
}
