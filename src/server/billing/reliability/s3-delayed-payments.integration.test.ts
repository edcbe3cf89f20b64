/**
 * S3 (reliability.md §3.2): delayed payment methods. A session completed
 * unpaid must credit nothing until `async_payment_succeeded`, then exactly
 * once; one followed by `async_payment_failed` credits nothing; and one
 * whose `succeeded` arrives before `completed` is credited once all the
 * same. Deliveries are sent by hand, in the order each scenario names.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBillingHarness, type BillingHarness } from '../../../../tests/support/billing';
import { checkInvariants, expectSound } from '../../../../tests/support/checker';
import { recorded } from '../../../../tests/support/reliability';
import type { OrderStatusResponse } from '../../../shared/billing';

let h: BillingHarness;
beforeAll(async () => {
  h = await createBillingHarness();
  h.fake.webhooks.hold = true;
});
afterAll(async () => {
  await h?.close();
});

function eventOf(sessionId: string, type: string): string {
  const event = h.fake.store.events.find(
    (e) => e.type === type && (e.data as { object: { id: string } }).object.id === sessionId,
  );
  if (!event) throw new Error(`no ${type} for ${sessionId}`);
  return event.id;
}

async function deliver(...ids: string[]) {
  for (const id of ids) {
    const delivery = await h.fake.redeliver(id);
    expect(delivery.status).toBe(200);
    await h.settled();
  }
}

async function orderState(cookie: string, orderId: string) {
  const response = await h.t.request(`/api/billing/orders/${orderId}`, { headers: { cookie } });
  return ((await response.json()) as OrderStatusResponse).order.status;
}

it('S3: delayed payments credit once on success, never on failure, in any order', async () => {
  await recorded(
    'S3-delayed-payments',
    { driver: h.t.database.driver, seed: 0, parameters: { scenarios: 3 } },
    async (figures) => {
      let passing = 0;

      // 1. completed (unpaid), then async_payment_succeeded.
      const a = await h.member();
      const orderA = await h.checkout(a, 'pack_100');
      h.fake.completeCheckout(orderA.sessionId, { async: true });
      await deliver(eventOf(orderA.sessionId, 'checkout.session.completed'));
      expect(await h.available(a.userId)).toBe(0);
      expect(await orderState(a.cookie, orderA.orderId)).toBe('processing');
      h.fake.settleAsyncPayment(orderA.sessionId, true);
      const succeededA = eventOf(orderA.sessionId, 'checkout.session.async_payment_succeeded');
      await deliver(succeededA, succeededA);
      expect(await h.available(a.userId)).toBe(100);
      expect(await orderState(a.cookie, orderA.orderId)).toBe('paid');
      passing += 1;

      // 2. completed (unpaid), then async_payment_failed.
      const b = await h.member();
      const orderB = await h.checkout(b, 'pack_100');
      h.fake.completeCheckout(orderB.sessionId, { async: true });
      h.fake.settleAsyncPayment(orderB.sessionId, false);
      await deliver(
        eventOf(orderB.sessionId, 'checkout.session.completed'),
        eventOf(orderB.sessionId, 'checkout.session.async_payment_failed'),
      );
      expect(await h.available(b.userId)).toBe(0);
      expect(await orderState(b.cookie, orderB.orderId)).toBe('failed');
      passing += 1;

      // 3. async_payment_succeeded arrives before completed.
      const c = await h.member();
      const orderC = await h.checkout(c, 'pack_500');
      h.fake.completeCheckout(orderC.sessionId, { async: true });
      h.fake.settleAsyncPayment(orderC.sessionId, true);
      await deliver(
        eventOf(orderC.sessionId, 'checkout.session.async_payment_succeeded'),
        eventOf(orderC.sessionId, 'checkout.session.completed'),
        eventOf(orderC.sessionId, 'checkout.session.async_payment_succeeded'),
      );
      expect(await h.available(c.userId)).toBe(500);
      expect(await orderState(c.cookie, orderC.orderId)).toBe('paid');
      passing += 1;

      // Failed first, then completed: still nothing.
      const d = await h.member();
      const orderD = await h.checkout(d, 'pack_100');
      h.fake.completeCheckout(orderD.sessionId, { async: true });
      h.fake.settleAsyncPayment(orderD.sessionId, false);
      await deliver(
        eventOf(orderD.sessionId, 'checkout.session.async_payment_failed'),
        eventOf(orderD.sessionId, 'checkout.session.completed'),
      );
      expect(await h.available(d.userId)).toBe(0);
      expect(await orderState(d.cookie, orderD.orderId)).toBe('failed');

      figures.scenariosPassing = `${passing}/3`;
      expectSound(
        await checkInvariants(h.t.database.db, { now: h.t.deps.now(), config: h.t.deps.config }),
        'after S3',
      );
    },
  );
});
