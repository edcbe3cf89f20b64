/**
 * Prepared statements must change how fast statements run, never what they
 * return or how errors, transactions and notifications behave: results are
 * compared with PGlite's own query() on a second instance, and the server's
 * pg_prepared_statements shows what is prepared.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { preparedStatements, type PreparedStatements } from './pglite-statements';
import { tunePglite } from './pglite-tuning';

const setup = `
  create table items (id uuid primary key, name text not null unique, at timestamptz not null,
    data jsonb not null, tags text[] not null, n integer);
  insert into items values
    ('00000000-0000-4000-8000-000000000001', 'one', '2026-11-28 10:00:00+00', '{"a": 1}', '{x,y}', 1),
    ('00000000-0000-4000-8000-000000000002', 'two', '2026-11-28 11:00:00+00', '[1, 2]', '{}', null);
`;

let plain: PGlite;
let tuned: PGlite;

/** The names and texts the tuned instance's server holds as prepared statements. */
async function preparedOnServer(client: PGlite): Promise<{ name: string; statement: string }[]> {
  // exec() with two statements goes to PGlite as it is, so this read is not itself prepared.
  const [, result] = await client.exec(
    'select 1; select name, statement from pg_prepared_statements order by prepare_time, name',
  );
  return (result?.rows ?? []) as { name: string; statement: string }[];
}

beforeAll(async () => {
  plain = await PGlite.create();
  tuned = tunePglite(await PGlite.create());
  await plain.exec(setup);
  await tuned.exec(setup);
});
afterAll(async () => {
  await plain.close();
  await tuned.close();
});

describe('statements through tunePglite', () => {
  const reads: [string, unknown[]][] = [
    ['select * from items where id = $1', ['00000000-0000-4000-8000-000000000001']],
    ['select name, data, tags, n from items where at < $1 order by name', [new Date('2026-11-28T12:00:00Z')]],
    ['select count(*)::int as c, $1::text as label from items where data @> $2', ['x', { a: 1 }]],
    ['select name from items where tags = $1', [['x', 'y']]],
    ['select $1::integer as n, $2::text as nothing', [7, null]],
  ];

  it('return what PGlite returns, the first time and from the prepared statement, in both row modes', async () => {
    for (const [text, params] of reads) {
      for (const rowMode of ['object', 'array'] as const) {
        const expected = await plain.query(text, params, { rowMode });
        expect(await tuned.query(text, params, { rowMode })).toEqual(expected);
        expect(await tuned.query(text, params, { rowMode })).toEqual(expected);
      }
    }
    const texts = (await preparedOnServer(tuned)).map((row) => row.statement);
    for (const [text] of reads) expect(texts.filter((t) => t === text)).toHaveLength(1);
  });

  it('report writes as PGlite does: affected rows, RETURNING, no rows', async () => {
    const write = 'update items set n = coalesce(n, 0) + $1 where name = any($2) returning name, n';
    const expected = await plain.query(write, [5, ['one', 'two']]);
    const actual = await tuned.query(write, [5, ['one', 'two']]);
    expect(actual).toEqual(expected);
    expect(actual.affectedRows).toBe(2);
    const noRows = 'update items set n = n where name = $1';
    expect(await tuned.query(noRows, ['none'])).toEqual(await plain.query(noRows, ['none']));
  });

  it('throw database errors as PGlite does, with the statement, and go on afterwards', async () => {
    const insert = 'insert into items (id, name, at, data, tags) values ($1, $2, now(), $3, $4)';
    const params = ['00000000-0000-4000-8000-000000000009', 'one', {}, []];
    const error = await tuned.query(insert, params).catch((e: unknown) => e);
    const expected = await plain.query(insert, params).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '23505', constraint: 'items_name_key', query: insert, params });
    expect((error as Error).message).toBe((expected as Error).message);
    // A bad parameter fails at Bind, a bad text at Parse; neither leaves anything behind.
    await expect(tuned.query('select * from items where id = $1', ['not-a-uuid'])).rejects.toMatchObject({
      code: '22P02',
    });
    await expect(tuned.query('select * from nowhere where id = $1', [1])).rejects.toMatchObject({
      code: '42P01',
    });
    expect((await tuned.query('select count(*)::int as c from items')).rows).toEqual([{ c: 2 }]);
  });

  it('keep transactions whole: an error rolls back everything before it', async () => {
    const attempt = tuned.transaction(async (tx) => {
      await tx.query('update items set n = 100 where name = $1', ['one']);
      await tx.query('insert into items (id, name, at, data, tags) values ($1, $2, now(), $3, $4)', [
        '00000000-0000-4000-8000-000000000010',
        'two',
        {},
        [],
      ]);
    });
    await expect(attempt).rejects.toMatchObject({ code: '23505' });
    expect((await tuned.query('select n from items where name = $1', ['one'])).rows).toEqual([{ n: 6 }]);

    let kept: Awaited<Parameters<Parameters<PGlite['transaction']>[0]>[0]> | undefined;
    await tuned.transaction(async (tx) => {
      kept = tx;
      await tx.query('update items set n = n + 1 where name = $1', ['one']);
    });
    expect((await tuned.query('select n from items where name = $1', ['one'])).rows).toEqual([{ n: 7 }]);
    await expect(kept!.query('select 1 as one')).rejects.toThrow('Transaction is closed');
  });

  it('run one at a time: concurrent transactions and statements do not interleave', async () => {
    await tuned.query('update items set n = 0 where name = $1', ['two']);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2
          ? tuned.transaction(async (tx) => {
              const { rows } = await tx.query<{ n: number }>('select n from items where name = $1', ['two']);
              await tx.query('update items set n = $1 where name = $2', [rows[0]!.n + 1, 'two']);
            })
          : tuned.query('update items set n = n + 1 where name = $1', ['two']),
      ),
    );
    expect((await tuned.query('select n from items where name = $1', ['two'])).rows).toEqual([{ n: 40 }]);
  });

  it('deliver notifications sent by a prepared statement', async () => {
    const heard: string[] = [];
    const unlisten = await tuned.listen('items_changed', (payload) => heard.push(payload));
    await tuned.query('select pg_notify($1, $2)', ['items_changed', 'first']);
    await tuned.query('select pg_notify($1, $2)', ['items_changed', 'second']);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(heard).toEqual(['first', 'second']);
    await unlisten();
  });

  it('run exec() of one statement prepared and several statements as PGlite does', async () => {
    const one = 'select name from items order by name';
    expect(await tuned.exec(one)).toEqual(await plain.exec(one));
    expect((await preparedOnServer(tuned)).some((row) => row.statement === one)).toBe(true);
    const several = "select 1 as a; select 'x;y' as b";
    expect(await tuned.exec(several)).toEqual(await plain.exec(several));
    expect((await preparedOnServer(tuned)).some((row) => row.statement === several)).toBe(false);
  });
});

describe('preparedStatements', () => {
  let client: PGlite;
  let clock: number;
  let statements: PreparedStatements;
  const run = (text: string, params: unknown[] = []) =>
    client._runExclusiveQuery(() => statements.run(text, params, undefined, 'client'));

  beforeEach(async () => {
    client = await PGlite.create();
    await client.exec(setup);
    clock = 0;
    statements = preparedStatements(client, { limit: 3, maxAgeMs: 1_000, now: () => clock });
    return () => client.close();
  });

  it('keeps the most recently used statements and closes the rest on the server', async () => {
    for (const n of [1, 2, 3]) await run(`select ${n} as n`);
    await run('select 1 as n'); // used again: now the newest
    await run('select 4 as n');
    await run('select 5 as n');
    expect(statements.size).toBe(3);
    expect((await preparedOnServer(client)).map((row) => row.statement)).toEqual([
      'select 1 as n',
      'select 4 as n',
      'select 5 as n',
    ]);
  });

  it('prepares a statement again once it is older than the limit, so its plans are chosen again', async () => {
    await run('select $1::int as n', [1]);
    const [first] = await preparedOnServer(client);
    clock = 999;
    await run('select $1::int as n', [2]);
    expect(await preparedOnServer(client)).toEqual([first]);
    clock = 1_001;
    expect((await run('select $1::int as n', [3])).rows).toEqual([{ n: 3 }]);
    const now = await preparedOnServer(client);
    expect(now).toHaveLength(1);
    expect(now[0]?.name).not.toBe(first?.name);
  });

  it('prepares again when the schema changed under a statement, running it again outside a transaction', async () => {
    const all = 'select * from items where name = $1';
    await run(all, ['one']);
    await client.exec('alter table items add column extra text');
    const { rows } = await run(all, ['one']);
    expect(rows[0]).toHaveProperty('extra', null);

    await client.exec('alter table items drop column extra');
    const inTransaction = client.transaction((tx) =>
      client._runExclusiveQuery(() => statements.run(all, ['one'], undefined, 'transaction').then(() => tx)),
    );
    await expect(inTransaction).rejects.toMatchObject({ code: '0A000' });
    expect((await run(all, ['one'])).rows[0]).not.toHaveProperty('extra');
  });

  it('leaves nothing prepared when the text does not parse', async () => {
    await expect(run('selec 1')).rejects.toMatchObject({ code: '42601', query: 'selec 1' });
    expect(statements.size).toBe(0);
    expect(await preparedOnServer(client)).toEqual([]);
  });
});
