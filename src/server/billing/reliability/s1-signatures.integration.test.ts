/**
 * S1 (reliability.md §3.2): webhook signature checks. Nine deliveries of
 * real events (paid checkouts from the Stripe fake, signed by hand the way
 * Stripe signs): the valid ones are stored and applied once; every forged,
 * stale or altered one is refused with 400 before anything is parsed or
 * written. +301 s follows decision 020's future-skew rule (refused: the
 * window is symmetric), which the `stripe` library alone would accept.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stripeSignature } from '../../../../tests/fakes/stripe';
import { createBillingHarness, type BillingHarness } from '../../../../tests/support/billing';
import { checkInvariants, expectSound } from '../../../../tests/support/checker';
import { recorded } from '../../../../tests/support/reliability';
import { queryRows } from '../../db/client';

let h: BillingHarness;
beforeAll(async () => {
  // No endpoint: the fake delivers nothing by itself; this test sends every delivery.
  h = await createBillingHarness({ webhooks: false });
});
afterAll(async () => {
  await h?.close();
});

async function paidCheckoutEvent(): Promise<{ userId: string; body: string }> {
  const member = await h.member();
  const { sessionId } = await h.checkout(member, 'pack_100');
  h.fake.completeCheckout(sessionId);
  const event = h.fake.store.events.find(
    (e) =>
      e.type === 'checkout.session.completed' &&
      (e.data as { object: { id: string } }).object.id === sessionId,
  )!;
  return { userId: member.userId, body: JSON.stringify(event, null, 2) };
}

async function counts() {
  const [row] = await queryRows<{ events: number; ledger: number }>(
    h.t.database.db,
    sql`select (select count(*) from stripe_events)::int as events,
               (select count(*) from ledger_transactions)::int as ledger`,
  );
  return row!;
}

it('S1: accepts exactly the validly signed, fresh deliveries', async () => {
  await recorded(
    'S1-signatures',
    { driver: h.t.database.driver, seed: 0, parameters: { cases: 9, toleranceSeconds: 300 } },
    async (figures) => {
      const secret = h.fake.webhookSecret;
      const now = () => Math.floor(h.t.deps.now().getTime() / 1000);
      const post = (body: string, signature: string | undefined) =>
        h.t.request('/api/webhooks/stripe', {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            ...(signature === undefined ? {} : { 'stripe-signature': signature }),
          },
        });

      const valid = await paidCheckoutEvent();
      const older = await paidCheckoutEvent();
      const other = await paidCheckoutEvent();
      const flipped = valid.body.replace('"livemode": false', '"livemode": falsE');
      const cases: { name: string; send: () => Promise<Response>; accept: boolean }[] = [
        {
          name: 'valid',
          send: () => post(valid.body, stripeSignature(valid.body, secret, now())),
          accept: true,
        },
        {
          name: 'body changed by one byte',
          send: () => post(flipped, stripeSignature(valid.body, secret, now())),
          accept: false,
        },
        {
          name: 'wrong secret',
          send: () => post(other.body, stripeSignature(other.body, 'whsec_someone_else', now())),
          accept: false,
        },
        { name: 'header missing', send: () => post(other.body, undefined), accept: false },
        {
          name: 'timestamp -301 s',
          send: () => post(other.body, stripeSignature(other.body, secret, now() - 301)),
          accept: false,
        },
        {
          name: 'timestamp -299 s',
          send: () => post(older.body, stripeSignature(older.body, secret, now() - 299)),
          accept: true,
        },
        {
          name: 'timestamp +301 s (future-skew rule)',
          send: () => post(other.body, stripeSignature(other.body, secret, now() + 301)),
          accept: false,
        },
        {
          name: 'body re-serialised',
          send: () => {
            const compact = JSON.stringify(JSON.parse(other.body));
            return post(compact, stripeSignature(other.body, secret, now()));
          },
          accept: false,
        },
        {
          name: 'valid event replayed inside the window',
          send: () => post(valid.body, stripeSignature(valid.body, secret, now())),
          accept: true,
        },
      ];

      let passing = 0;
      let rowsFromRejected = 0;
      for (const c of cases) {
        await h.settled();
        const before = await counts();
        const response = await c.send();
        const text = await response.text();
        await h.settled();
        const after = await counts();
        if (c.accept) {
          expect(response.status, `${c.name}: ${text}`).toBe(200);
        } else {
          expect(response.status, `${c.name}: ${text}`).toBe(400);
          expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe('invalid_signature');
          rowsFromRejected += after.events - before.events + (after.ledger - before.ledger);
        }
        passing += 1;
      }
      figures.casesPassing = `${passing}/${cases.length}`;
      // Each refusal is logged with its reason, for the operator whose deliveries all start failing.
      const refusals = h.t.logs.filter((line) => line.includes('stripe webhook refused'));
      expect(refusals).toHaveLength(cases.filter((c) => !c.accept).length);
      expect(refusals.some((line) => line.includes('in the future'))).toBe(true);
      expect(refusals.some((line) => line.includes('Stripe-Signature'))).toBe(true);
      figures.ledgerRowsFromRejected = rowsFromRejected;
      expect(rowsFromRejected).toBe(0);

      // The replay had no second effect; the never-accepted event credited nothing.
      expect(await h.available(valid.userId)).toBe(100);
      expect(await h.available(older.userId)).toBe(100);
      expect(await h.available(other.userId)).toBe(0);
      expectSound(
        await checkInvariants(h.t.database.db, { now: h.t.deps.now(), config: h.t.deps.config }),
        'after S1',
      );
    },
  );
});
