/**
 * S5 (reliability.md §3.2): an outage, Stripe's retries, then the
 * reconciler. Deliveries arrive while every database call of billing fails
 * (mode S: a write failure injected in front of the database client); the
 * handler must answer non-2xx for each, so Stripe keeps them. The fake
 * retries with backoff; some retries land after recovery, the rest give up.
 * Then the reconciler lists what is still undelivered (`delivery_success=
 * false`) and every purchase ends credited exactly once.
 *
 * Deep tier (TEST_DEEP=1): 100 purchases, a 60 s outage. CI runs the short
 * form: 20 purchases, a 3 s outage.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBillingHarness, type BillingHarness } from '../../../../tests/support/billing';
import { checkInvariants, expectSound } from '../../../../tests/support/checker';
import { recorded } from '../../../../tests/support/reliability';
import { queryRows } from '../../db/client';
import { reconcileStripe } from '../reconciler';

const DEEP = process.env.TEST_DEEP === '1';
const PURCHASES = DEEP ? 100 : 20;
const OUTAGE_MS = DEEP ? 60_000 : 3_000;

let h: BillingHarness;
beforeAll(async () => {
  h = await createBillingHarness();
});
afterAll(async () => {
  await h?.close();
});

it(
  `S5: nothing is lost to a ${OUTAGE_MS / 1000} s database outage`,
  { timeout: DEEP ? 240_000 : 60_000 },
  async () => {
    await recorded(
      'S5-outage-reconcile',
      {
        driver: h.t.database.driver,
        seed: 0,
        parameters: {
          purchases: PURCHASES,
          outageMs: OUTAGE_MS,
          deep: DEEP,
          injected: 'every billing database call throws',
        },
      },
      async (figures) => {
        const members = await Promise.all(Array.from({ length: Math.min(PURCHASES, 10) }, () => h.member()));
        const bought = await Promise.all(
          Array.from({ length: PURCHASES }, async (_, i) => {
            const member = members[i % members.length]!;
            return { userId: member.userId, sessionId: (await h.checkout(member, 'pack_100')).sessionId };
          }),
        );
        await h.settled();

        // The outage: every database call billing makes fails until it ends.
        const billing = h.t.deps.billing;
        const realDb = billing.db;
        let down = true;
        billing.db = new Proxy(realDb, {
          get(target, key, receiver) {
            const value = Reflect.get(target, key, receiver) as unknown;
            if (!down || typeof value !== 'function') return value;
            return () => {
              throw new Error('injected: the database is unavailable');
            };
          },
        });
        // Stripe's retries, compressed: three tries over two thirds of the outage. Purchases complete
        // evenly through the outage, so the early ones' retries all fail (only the reconciler can
        // find them) and the later ones' last retry lands after recovery.
        h.fake.webhooks.maxAttempts = 3;
        h.fake.webhooks.retryBaseMs = Math.round(OUTAGE_MS / 4.5);
        const outageStarted = performance.now();
        for (const [i, purchase] of bought.entries()) {
          h.fake.completeCheckout(purchase.sessionId);
          const due = outageStarted + ((i + 1) * OUTAGE_MS) / PURCHASES;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        }
        down = false;
        const recovered = performance.now();
        await h.fake.webhooksSettled();
        await h.settled(30_000);

        const failed = h.fake.webhooks.deliveries.filter((d) => d.status < 200 || d.status >= 300);
        figures.deliveryAttempts = h.fake.webhooks.deliveries.length;
        figures.non2xxAnswers = failed.length;
        // Nothing was acknowledged without being stored: every 2xx names an event the inbox has.
        const acknowledged = [
          ...new Set(h.fake.webhooks.deliveries.filter((d) => d.status === 200).map((d) => d.eventId)),
        ];
        const stored = await queryRows<{ id: string }>(h.t.database.db, sql`select id from stripe_events`);
        const storedIds = new Set(stored.map((r) => r.id));
        figures.acknowledgedNotStored = acknowledged.filter((id) => !storedIds.has(id)).length;
        expect(figures.acknowledgedNotStored).toBe(0);
        expect(failed.length).toBeGreaterThan(0);
        expect(failed.every((d) => d.status >= 500)).toBe(true);
        figures.acceptedOnARetry = h.fake.webhooks.deliveries.filter(
          (d) => d.status === 200 && d.attempt > 1,
        ).length;

        const undelivered = h.fake.store.events.filter((e) => Number(e.pending_webhooks) > 0).length;
        figures.undeliveredAfterRetries = undelivered;
        const result = await reconcileStripe(billing);
        await h.settled(30_000);
        figures.reconciler = result;
        expect(result.eventsStored).toBeGreaterThan(0);
        figures.recoveryToAllCreditedMs = Math.round(performance.now() - recovered);
        figures.outageMs = Math.round(recovered - outageStarted);

        const grants = await queryRows<{ n: number; per: number }>(
          h.t.database.db,
          sql`select count(distinct source_ref)::int as n, count(*)::int as per from credit_grants
            where source_ref in (${sql.join(
              bought.map((b) => sql`${`stripe:checkout:${b.sessionId}`}`),
              sql`, `,
            )})`,
        );
        figures.purchasesCredited = `${grants[0]!.n}/${PURCHASES}`;
        figures.duplicateGrants = grants[0]!.per - grants[0]!.n;
        figures.eventsLost = PURCHASES - grants[0]!.n;
        expect(grants[0]!.n).toBe(PURCHASES);
        expect(figures.duplicateGrants).toBe(0);
        for (const member of members) {
          const expected = bought.filter((b) => b.userId === member.userId).length * 100;
          expect(await h.available(member.userId)).toBe(expected);
        }
        // A second reconcile adds nothing.
        const again = await reconcileStripe(billing);
        await h.settled();
        expect(again).toMatchObject({ eventsStored: 0, sessionsRecovered: 0 });
        expectSound(
          await checkInvariants(h.t.database.db, { now: h.t.deps.now(), config: h.t.deps.config }),
          'after S5',
        );
      },
    );
  },
);
