/**
 * Two adjustments to how the platform's code reaches PGlite. Neither changes
 * a statement or a result; both only change when and how fast they run.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import { preparedStatements, type StatementScope } from './pglite-statements';

type Parser = PGlite['parsers'][number];
type Query = PGlite['query'];
type QueryOptions = NonNullable<Parameters<Query>[2]>;
/** The row type of exec()'s results. */
type ExecRow = Awaited<ReturnType<PGlite['exec']>>[number]['rows'][number];

/**
 * The types Drizzle's PGlite driver asks to receive as the database's text
 * (it converts them itself): timestamp, timestamptz, interval, date and the
 * arrays numeric[], timestamp[], timestamptz[], interval[], date[].
 */
const DRIZZLE_TEXT_TYPES: readonly number[] = [1114, 1184, 1186, 1082, 1231, 1115, 1185, 1187, 1182];
const keepText: Parser = (value) => value;

/**
 * Drizzle passes those parsers with every query, and PGlite then copies its
 * whole parser table (about 340 entries, one per type and array type) into a
 * fresh object before reading the rows: about 0.15 ms per statement, more
 * than the statement itself often takes. So the instance's own table keeps
 * text for exactly these types, and Drizzle's (then redundant) option is
 * dropped. Every other caller (pg-boss, LISTEN) still gets PGlite's own
 * conversions of timestamp, timestamptz and date (a Date), applied to its
 * rows afterwards; arrays of these types reach it as arrays of text (none of
 * them reads one).
 */
function drizzleParsersInTable(client: PGlite) {
  const converted: Record<number, Parser> = {};
  for (const oid of [1114, 1184, 1082]) {
    const parser = client.parsers[oid];
    if (parser) converted[oid] = parser;
  }
  for (const oid of DRIZZLE_TEXT_TYPES) client.parsers[oid] = keepText;

  const isDrizzles = (parsers: object) => {
    const keys = Object.keys(parsers);
    return (
      keys.length === DRIZZLE_TEXT_TYPES.length &&
      keys.every((key) => DRIZZLE_TEXT_TYPES.includes(Number(key)))
    );
  };
  /** PGlite's conversions for the columns that now arrive as text, as PGlite applies them. */
  const convert = <R extends Results<unknown>>(result: R, options: QueryOptions | undefined): R => {
    for (const [index, field] of result.fields.entries()) {
      const parser = converted[field.dataTypeID];
      // A caller's own parser for the type has been applied already.
      if (!parser || options?.parsers?.[field.dataTypeID]) continue;
      const key = options?.rowMode === 'array' ? index : field.name;
      for (const row of result.rows as Record<string | number, unknown>[]) {
        const value = row[key];
        if (typeof value === 'string') row[key] = parser(value, field.dataTypeID);
      }
    }
    return result;
  };
  return {
    /** Options to pass on, and whether the rows still need the conversions. */
    options(options: QueryOptions | undefined): { options: QueryOptions | undefined; convert: boolean } {
      if (options?.parsers && isDrizzles(options.parsers)) {
        const { parsers: _redundant, ...rest } = options;
        return { options: rest, convert: false };
      }
      return { options, convert: true };
    },
    convert,
  };
}

/**
 * Whether exec() was given exactly one statement: statements are separated
 * by semicolons, so a text without one (a trailing one aside) holds one. A
 * semicolon anywhere else, even inside a literal, leaves the text to PGlite's
 * exec() as it is. pg-boss sends its statements without parameters this way,
 * among them the fetch of the next job.
 */
function isOneStatement(text: string): boolean {
  const body = text.trimEnd().replace(/;$/, '');
  return body.trim() !== '' && !body.includes(';');
}

/**
 * PGlite executes each statement synchronously on this thread, and its
 * promises settle as microtasks, which run before any timer or I/O callback.
 * So a queue of awaited statements (one request's transaction, then the next
 * caller's waiting on PGlite's lock, and so on) ran as one unbroken stretch:
 * under load (1,000 generations in flight) stretches of 150-450 ms, during
 * which no request was read and no timer fired. Every statement now first
 * waits for the next turn of the event loop, so the longest stall is one
 * statement. Order and results are unchanged; the cost is a few microseconds
 * per statement. Applies to everything using the instance: Drizzle, pg-boss
 * and LISTEN.
 *
 * Statements sent with query() (Drizzle's and pg-boss's) run from named
 * prepared statements (pglite-statements.ts), taking PGlite's own locks as
 * its query() does, and so does an exec() of one statement; an exec() of
 * several statements and a query that reads or writes a blob go to PGlite
 * as before.
 */
export function tunePglite(client: PGlite): PGlite {
  const parsing = drizzleParsersInTable(client);
  const statements = preparedStatements(client);
  const wrap = (target: Pick<PGlite, 'query' | 'exec'>, scope: StatementScope, isClosed: () => boolean) => {
    const query = target.query.bind(target);
    const exec = target.exec.bind(target);
    const prepared = async <T>(
      text: string,
      params: unknown[] | undefined,
      options: QueryOptions | undefined,
    ) => {
      if (scope === 'client') {
        await client._checkReady();
        return client._runExclusiveTransaction(() =>
          client._runExclusiveQuery(() => statements.run<T>(text, params, options, scope)),
        );
      }
      if (isClosed()) throw new Error('Transaction is closed');
      return client._runExclusiveQuery(() => statements.run<T>(text, params, options, scope));
    };
    target.query = (async (text: string, params?: unknown[], options?: QueryOptions) => {
      await nextTurn();
      const passed = parsing.options(options);
      const result = options?.blob
        ? await query(text, params, passed.options)
        : await prepared(text, params, passed.options);
      return passed.convert ? parsing.convert(result, options) : result;
    }) as Query;
    target.exec = async (text, options) => {
      await nextTurn();
      const passed = parsing.options(options);
      const results =
        !options?.blob && isOneStatement(text)
          ? [await prepared<ExecRow>(text, [], passed.options)]
          : await exec(text, passed.options);
      return passed.convert ? results.map((result) => parsing.convert(result, options)) : results;
    };
  };
  wrap(client, 'client', () => client.closed);
  const transaction = client.transaction.bind(client);
  client.transaction = <T>(callback: (tx: Transaction) => Promise<T>) =>
    transaction((tx) => {
      wrap(tx, 'transaction', () => tx.closed);
      return callback(tx);
    });
  return client;
}
