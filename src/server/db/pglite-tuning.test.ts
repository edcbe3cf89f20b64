/**
 * tunePglite must change how fast statements run, never what they return:
 * every result is compared with the same statement on an untuned instance.
 */
import { PGlite } from '@electric-sql/pglite';
import { eq } from 'drizzle-orm';
import { date, interval, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tunePglite } from './pglite-tuning';

const moments = pgTable('moments', {
  id: text('id').primaryKey(),
  at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  atText: timestamp('at_text', { withTimezone: true, mode: 'string' }).notNull(),
  local: timestamp('local', { mode: 'date' }).notNull(),
  day: date('day').notNull(),
  span: interval('span').notNull(),
  stamps: timestamp('stamps', { withTimezone: true, mode: 'date' }).array().notNull(),
});

const setup = `
  create table moments (id text primary key, at timestamptz not null, at_text timestamptz not null,
    local timestamp not null, day date not null, span interval not null, stamps timestamptz[] not null);
  insert into moments values ('a', '2026-11-28 10:12:36.123456+00', '2026-11-28 10:12:36.123456+00',
    '2026-11-28 10:12:36.5', '2026-11-28', '1 day 02:00:00', '{"2026-01-01 00:00:00+00","2026-02-01 12:30:00+00"}');
`;

let plain: PGlite;
let tuned: PGlite;
/** What reached PGlite's own query() on the tuned instance. */
const seen: { text: string; options: Record<string, unknown> | undefined }[] = [];

beforeAll(async () => {
  plain = await PGlite.create();
  tuned = await PGlite.create();
  await plain.exec(setup);
  await tuned.exec(setup);
  const query = tuned.query.bind(tuned);
  tuned.query = ((text: string, params?: unknown[], options?: Record<string, unknown>) => {
    seen.push({ text, options });
    return query(text, params, options);
  }) as PGlite['query'];
  tunePglite(tuned);
});
afterAll(async () => {
  await plain.close();
  await tuned.close();
});

describe('tunePglite', () => {
  it('gives Drizzle the same rows, without making PGlite copy its parser table', async () => {
    const read = (client: PGlite) => drizzle({ client }).select().from(moments).where(eq(moments.id, 'a'));
    seen.length = 0;
    const [expected] = await read(plain);
    const [actual] = await read(tuned);
    expect(actual).toEqual(expected);
    expect(actual?.atText).toBe(expected?.atText);
    expect(actual?.at.toISOString()).toBe('2026-11-28T10:12:36.123Z');
    expect(actual?.stamps.map((d) => d.toISOString())).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-02-01T12:30:00.000Z',
    ]);
    // Drizzle's statement ran prepared (pglite-statements.ts), not through PGlite's query().
    expect(seen).toHaveLength(0);
  });

  it("passes a query with a blob to PGlite's query(), without Drizzle's parsers", async () => {
    seen.length = 0;
    const keep = (value: string) => value;
    const parsers = Object.fromEntries(
      [1114, 1184, 1186, 1082, 1231, 1115, 1185, 1187, 1182].map((oid) => [oid, keep]),
    );
    const blob = new Blob(['unused']);
    const { rows } = await tuned.query<{ at: unknown }>('select at from moments', [], { parsers, blob });
    expect(rows[0]?.at).toBe('2026-11-28 10:12:36.123456+00');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.options).toHaveProperty('blob', blob);
    expect(seen[0]?.options).not.toHaveProperty('parsers');
  });

  it('gives Drizzle the same rows inside a transaction', async () => {
    const read = (client: PGlite) =>
      drizzle({ client }).transaction((tx) => tx.select().from(moments).where(eq(moments.id, 'a')));
    expect(await read(tuned)).toEqual(await read(plain));
  });

  it("gives other callers PGlite's own conversions (timestamps as Date), in both row modes", async () => {
    const statement = 'select at, local, day, span, at_text from moments where id = $1';
    for (const rowMode of ['object', 'array'] as const) {
      const expected = await plain.query(statement, ['a'], { rowMode });
      const actual = await tuned.query(statement, ['a'], { rowMode });
      expect(actual.rows).toEqual(expected.rows);
    }
    const [row] = (await tuned.query<{ at: unknown; day: unknown }>(statement, ['a'])).rows;
    expect(row?.at).toBeInstanceOf(Date);
    expect(row?.day).toBeInstanceOf(Date);
  });

  it("keeps a caller's own parsers", async () => {
    const options = { parsers: { 1184: () => 'mine' } };
    const { rows } = await tuned.query<{ at: unknown }>('select at from moments', [], options);
    expect(rows[0]?.at).toBe('mine');
  });

  it('converts exec() results and transaction statements the same way', async () => {
    const statement = "select at, local, day from moments where id = 'a'";
    const expected = await plain.exec(statement);
    expect((await tuned.exec(statement))[0]?.rows).toEqual(expected[0]?.rows);
    const inTransaction = await tuned.transaction((tx) => tx.query(statement));
    expect(inTransaction.rows).toEqual(expected[0]?.rows);
  });
});
