/**
 * S2 (reliability.md §3.2): duplicates and disorder. 50 pack purchases;
 * every event they cause (checkout.session.completed,
 * payment_intent.succeeded, charge.succeeded) is delivered 3 times in a
 * seeded random order by 4 concurrent senders. Each purchase must be
 * credited exactly once, the total credited must equal the packs sold, and
 * the inbox must hold one row per event id.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBillingHarness, type BillingHarness } from '../../../../tests/support/billing';
import { checkInvariants, expectSound } from '../../../../tests/support/checker';
import { recorded, reliabilitySeed } from '../../../../tests/support/reliability';
import { seededRandom } from '../../../../tests/support/reliability-record';
import { queryRows } from '../../db/client';

const PURCHASES = Number(process.env.S2_PURCHASES ?? 50);
const COPIES = 3;
const SENDERS = 4;
const MEMBERS = 10;

let h: BillingHarness;
beforeAll(async () => {
  h = await createBillingHarness();
});
afterAll(async () => {
  await h?.close();
});

it(
  'S2: credits 50 purchases exactly once each under triplicated, shuffled deliveries',
  { timeout: 60_000 },
  async () => {
    const seed = reliabilitySeed();
    await recorded(
      'S2-duplicates-disorder',
      {
        driver: h.t.database.driver,
        seed,
        parameters: { purchases: PURCHASES, copies: COPIES, senders: SENDERS, members: MEMBERS },
      },
      async (figures) => {
        const random = seededRandom(seed);
        const members = await Promise.all(Array.from({ length: MEMBERS }, () => h.member()));
        const plan = Array.from({ length: PURCHASES }, (_, i) => ({
          member: members[i % MEMBERS]!,
          pack: random() < 0.5 ? 'pack_100' : 'pack_500',
        }));
        const bought = await Promise.all(
          plan.map(async ({ member, pack }) => ({
            userId: member.userId,
            sessionId: (await h.checkout(member, pack)).sessionId,
            credits: pack === 'pack_100' ? 100 : 500,
          })),
        );
        await h.settled();
        h.fake.webhooks.hold = true;
        for (const purchase of bought) h.fake.completeCheckout(purchase.sessionId);
        const held = h.fake.webhooks.heldIds();
        const started = performance.now();
        const deliveries = await h.fake.webhooks.release({ copies: COPIES, seed, concurrency: SENDERS });
        h.fake.webhooks.hold = false;
        await h.settled(30_000);
        figures.deliveries = deliveries.length;
        figures.non2xx = deliveries.filter((d) => d.status < 200 || d.status >= 300).length;
        figures.deliverAndApplyMs = Math.round(performance.now() - started);
        expect(figures.non2xx).toBe(0);
        expect(deliveries.length).toBe(held.length * COPIES);

        const sessionIds = bought.map((b) => b.sessionId);
        const grants = await queryRows<{ source: string; n: number; amount: number }>(
          h.t.database.db,
          sql`select source_ref as source, count(*)::int as n, sum(amount)::int as amount from credit_grants
            where source_ref in (${sql.join(
              sessionIds.map((id) => sql`${`stripe:checkout:${id}`}`),
              sql`, `,
            )})
            group by source_ref`,
        );
        figures.grants = `${grants.length}/${PURCHASES}`;
        figures.duplicateGrants = grants.filter((g) => g.n > 1).length;
        expect(grants.length).toBe(PURCHASES);
        expect(figures.duplicateGrants).toBe(0);
        const credited = grants.reduce((sum, g) => sum + g.amount, 0);
        const sold = bought.reduce((sum, b) => sum + b.credits, 0);
        figures.credited = credited;
        expect(credited).toBe(sold);
        for (const member of members) {
          const expected = bought
            .filter((b) => b.userId === member.userId)
            .reduce((s, b) => s + b.credits, 0);
          expect(await h.available(member.userId)).toBe(expected);
        }

        const inbox = await queryRows<{ rows: number; ids: number }>(
          h.t.database.db,
          sql`select count(*)::int as rows, count(distinct id)::int as ids from stripe_events
            where id in (${sql.join(
              held.map((id) => sql`${id}`),
              sql`, `,
            )})`,
        );
        figures.inboxRows = inbox[0]!.rows;
        figures.duplicateInboxRows = inbox[0]!.rows - inbox[0]!.ids;
        expect(inbox[0]!.rows).toBe(held.length);
        expect(figures.duplicateInboxRows).toBe(0);
        const types = new Set(
          h.fake.store.events.filter((e) => held.includes(e.id)).map((e) => String(e.type)),
        );
        expect([...types].sort()).toEqual(
          expect.arrayContaining([
            'charge.succeeded',
            'checkout.session.completed',
            'payment_intent.succeeded',
          ]),
        );
        expectSound(
          await checkInvariants(h.t.database.db, { now: h.t.deps.now(), config: h.t.deps.config }),
          'after S2',
        );
      },
    );
  },
);
