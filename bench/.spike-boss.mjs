import { PGlite } from '@electric-sql/pglite';
import { PgBoss, fromPglite, fromDrizzle } from 'pg-boss';
import { drizzle } from 'drizzle-orm/pglite';
import { sql } from 'drizzle-orm';
const pg = await PGlite.create();
const db = drizzle({ client: pg });
const boss = new PgBoss({
  db: fromPglite(pg),
  backend: 'pglite',
  useListenNotify: true,
  monitorIntervalSeconds: 1,
  superviseIntervalSeconds: 1,
});
boss.on('error', (e) => console.error('boss error', e));
boss.on('warning', (w) => console.error('boss warning', w));
let t0 = performance.now();
await boss.start();
console.log('start ms', performance.now() - t0);
await boss.createQueue('gen', { notify: true, retryLimit: 2, expireInSeconds: 20, heartbeatSeconds: 10 });
const got = [];
await boss.work(
  'gen',
  { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 30, localConcurrency: 4 },
  async ([job]) => {
    got.push({ id: job.data.i, latency: performance.now() - job.data.t, aborted: job.signal.aborted });
  },
);
await db.execute(sql`create table t (id int)`);
await new Promise((r) => setTimeout(r, 1500));
for (let i = 0; i < 5; i++) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`insert into t values (${i})`);
    await boss.send('gen', { i, t: performance.now() }, { db: fromDrizzle(tx, sql) });
  });
  await new Promise((r) => setTimeout(r, 300));
}
// rollback case
try {
  await db.transaction(async (tx) => {
    await boss.send('gen', { i: 99, t: performance.now() }, { db: fromDrizzle(tx, sql) });
    throw new Error('rollback');
  });
} catch {}
await new Promise((r) => setTimeout(r, 2000));
console.log(got);
await boss.stop({ graceful: true, timeout: 5000 });
await pg.close();
