/**
 * S7, outbound idempotency (reliability.md §3.2): for each POST the platform
 * makes to Stripe, the fake processes the request, then resets the
 * connection before answering, so the platform cannot know whether it took
 * effect; the `stripe` client retries. Every POST must carry an
 * Idempotency-Key derived from our own record, the retry must carry the
 * same key, and the fake must end with exactly one object (or one change)
 * per logical operation.
 *
 * The platform's POSTs, each driven through our own API as a member would:
 *   create customer          `customer:<userId>`           (first checkout)
 *   create Checkout Session  `checkout:<orderId>`          (every checkout)
 *   create portal session    `portal:<userId>:<lang>:<minute>`
 *   update subscription      `subscription:<id>:cancel:<version>` (cancel at period end)
 * and, when the customer POST's answer is lost and both retries fail too (the
 * checkout fails and the member simply tries again), the second checkout's POST still carries
 * `customer:<userId>` and finds the customer the first one created.
 * The document also names refunds: the platform creates none (operators
 * refund in Stripe's dashboard and the platform only receives
 * `charge.refunded`), so there is no refund POST to test; the record says so.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoggedRequest } from '../../../../tests/fakes/fake-server';
import type { StripeObject } from '../../../../tests/fakes/stripe';
import { createBillingHarness, type BillingHarness } from '../../../../tests/support/billing';
import { checkInvariants, expectSound } from '../../../../tests/support/checker';
import { recorded } from '../../../../tests/support/reliability';
import { queryRows } from '../../db/client';
import { billingSubscriptions } from '../../db/schema';

let h: BillingHarness;
beforeAll(async () => {
  h = await createBillingHarness();
});
afterAll(async () => {
  await h?.close();
});

const keyOf = (request: LoggedRequest) => request.headers['idempotency-key'];
const apiPosts = () => h.fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/'));

/** The POSTs to `path` since `from` (an index into the fake's request log). */
function postsTo(path: string, from: number): LoggedRequest[] {
  return h.fake.requests.slice(from).filter((r) => r.method === 'POST' && r.path === path);
}

/** Events the fake emitted about an object since `from` (an index into its event log). */
function eventsAbout(id: string, type: string, from: number): StripeObject[] {
  return h.fake.store.events
    .slice(from)
    .filter((e) => e.type === type && (e.data as { object: { id: string } }).object.id === id);
}

it('S7: a POST whose answer is lost is retried with the same key and takes effect once', async () => {
  await recorded(
    'S7-outbound-idempotency',
    {
      driver: h.t.database.driver,
      seed: 0,
      parameters: {
        fault:
          'the fake processes the POST, then resets the connection before answering (once per operation)',
        clientRetries: 'stripe client maxNetworkRetries = 2 (stripe-client.ts)',
        operations: [
          'create customer',
          'create checkout session',
          'create billing portal session',
          'update subscription (cancel at period end)',
        ],
        refunds:
          'not a platform POST: operators refund in the Stripe dashboard; the platform only receives charge.refunded (S8)',
      },
    },
    async (figures) => {
      const objects: Record<string, number> = {};
      const retriedWithSameKey: Record<string, boolean> = {};
      figures.objectsPerOperation = objects;
      figures.retriedWithSameKey = retriedWithSameKey;
      const member = await h.member();
      const db = h.t.database.db;

      // 1–2. A first checkout: the customer and the session POSTs both lose their answers.
      let log = h.fake.requests.length;
      let events = h.fake.store.events.length;
      h.fake.fail({ kind: 'server_error', variant: 'reset_after_processing', path: '/v1/customers' });
      h.fake.fail({ kind: 'server_error', variant: 'reset_after_processing', path: '/v1/checkout/sessions' });
      const { orderId, sessionId } = await h.checkout(member, 'pack_100');

      const customerPosts = postsTo('/v1/customers', log);
      expect(customerPosts.map(keyOf)).toEqual([`customer:${member.userId}`, `customer:${member.userId}`]);
      retriedWithSameKey.customer = true;
      const customers = [...h.fake.store.customers.values()].filter(
        (c) => (c.metadata as Record<string, string>).userId === member.userId,
      );
      objects.customer = customers.length;
      expect(customers).toHaveLength(1);
      const customerId = customers[0]!.id;
      expect(eventsAbout(customerId, 'customer.created', events)).toHaveLength(1);
      const stored = await queryRows<{ id: string }>(
        db,
        sql`select stripe_customer_id as id from billing_customers where user_id = ${member.userId}`,
      );
      expect(stored.map((r) => r.id)).toEqual([customerId]);

      const sessionPosts = postsTo('/v1/checkout/sessions', log);
      expect(sessionPosts.map(keyOf)).toEqual([`checkout:${orderId}`, `checkout:${orderId}`]);
      expect(sessionPosts[1]!.body.equals(sessionPosts[0]!.body)).toBe(true);
      retriedWithSameKey.checkoutSession = true;
      const sessions = [...h.fake.store.sessions.values()].filter(
        (s) => (s.metadata as Record<string, string>).orderId === orderId,
      );
      objects.checkoutSession = sessions.length;
      expect(sessions.map((s) => s.id)).toEqual([sessionId]);
      const [order] = await queryRows<{ session: string }>(
        db,
        sql`select checkout_session_id as session from billing_orders where id = ${orderId}`,
      );
      expect(order!.session).toBe(sessionId);

      // 3. The billing portal (the member is a customer now).
      log = h.fake.requests.length;
      h.fake.fail({
        kind: 'server_error',
        variant: 'reset_after_processing',
        path: '/v1/billing_portal/sessions',
      });
      const portalsBefore = h.fake.store.portalSessions.size;
      const portal = await h.t.request('/api/billing/portal', {
        json: { lang: 'en' },
        headers: { cookie: member.cookie },
      });
      expect(portal.status).toBe(200);
      const portalUrl = ((await portal.json()) as { url: string }).url;
      const portalPosts = postsTo('/v1/billing_portal/sessions', log);
      expect(portalPosts).toHaveLength(2);
      expect(String(keyOf(portalPosts[0]!))).toMatch(new RegExp(`^portal:${member.userId}:en:\\d+$`));
      expect(keyOf(portalPosts[1]!)).toBe(keyOf(portalPosts[0]!));
      retriedWithSameKey.portalSession = true;
      const portals = [...h.fake.store.portalSessions.values()].slice(portalsBefore);
      objects.portalSession = portals.length;
      expect(portals.map((p) => [p.customer, p.url])).toEqual([[customerId, portalUrl]]);

      // 4. Cancel a plan at period end. The plan is bought and applied first, with no fault,
      // so that nothing else calls the subscription's path while the fault waits.
      const plan = await h.checkout(member, 'pro_monthly');
      h.fake.completeCheckout(plan.sessionId);
      await h.settled();
      const subId = String(h.fake.store.sessions.get(plan.sessionId)!.subscription);
      // The key's version is the fetch time of our copy of the subscription (account.ts).
      const [subscription] = await db
        .select({ fetchedAt: billingSubscriptions.fetchedAt })
        .from(billingSubscriptions)
        .where(eq(billingSubscriptions.id, subId));
      log = h.fake.requests.length;
      events = h.fake.store.events.length;
      h.fake.fail({
        kind: 'server_error',
        variant: 'reset_after_processing',
        path: `/v1/subscriptions/${subId}`,
      });
      const cancel = await h.t.request('/api/billing/subscription/cancel', {
        method: 'POST',
        headers: { cookie: member.cookie },
      });
      expect(cancel.status).toBe(200);
      expect(((await cancel.json()) as { cancelAtPeriodEnd: boolean }).cancelAtPeriodEnd).toBe(true);
      const updatePosts = postsTo(`/v1/subscriptions/${subId}`, log);
      const version = subscription!.fetchedAt.getTime();
      expect(updatePosts.map(keyOf)).toEqual([
        `subscription:${subId}:cancel:${version}`,
        `subscription:${subId}:cancel:${version}`,
      ]);
      retriedWithSameKey.subscriptionUpdate = true;
      const changes = eventsAbout(subId, 'customer.subscription.updated', events);
      objects.subscriptionUpdate = changes.length;
      expect(changes).toHaveLength(1);
      expect(
        (changes[0]!.data as { previous_attributes: Record<string, unknown> }).previous_attributes,
      ).toMatchObject({ cancel_at_period_end: false });
      expect(h.fake.store.subscriptions.get(subId)!.cancel_at_period_end).toBe(true);
      await h.settled();

      // 5. The answer lost, then Stripe failing the client's two retries: the client gives up
      // and the checkout fails; the member tries
      // again later, a new request with no memory of the first. The key comes from our
      // record (the user), not from the request, so Stripe still has one customer.
      const second = await h.member();
      log = h.fake.requests.length;
      // The fake resets only a request it processes (a replay answers), so the retries meet 500s.
      h.fake.fail({ kind: 'server_error', variant: 'reset_after_processing', path: '/v1/customers' });
      h.fake.fail({ kind: 'server_error', path: '/v1/customers', times: 2 });
      const failed = await h.t.request('/api/billing/checkout', {
        json: { itemId: 'pack_100', lang: 'en' },
        headers: { cookie: second.cookie },
      });
      expect(failed.status).toBe(500);
      const again = await h.checkout(second, 'pack_100');
      const secondPosts = postsTo('/v1/customers', log);
      figures.customerPostsAcrossTwoCheckouts = secondPosts.length;
      expect(secondPosts.map(keyOf)).toEqual(Array.from({ length: 4 }, () => `customer:${second.userId}`));
      const secondCustomers = [...h.fake.store.customers.values()].filter(
        (c) => (c.metadata as Record<string, string>).userId === second.userId,
      );
      objects.customerAfterLostAnswers = secondCustomers.length;
      expect(secondCustomers).toHaveLength(1);
      expect(h.fake.store.sessions.get(again.sessionId)!.customer).toBe(secondCustomers[0]!.id);

      // Every POST of the run carried a key of ours (none of the client's generated ones).
      const posts = apiPosts();
      const withoutKey = posts.filter((r) => typeof keyOf(r) !== 'string');
      const notOurs = posts.filter(
        (r) => !/^(customer|checkout|portal|subscription):/.test(String(keyOf(r))),
      );
      figures.posts = posts.length;
      figures.postsWithoutKey = withoutKey.length;
      figures.postsWithForeignKey = notOurs.length;
      expect(withoutKey.map((r) => r.path)).toEqual([]);
      expect(notOurs.map((r) => `${r.path} ${String(keyOf(r))}`)).toEqual([]);
      expect(objects).toEqual({
        customer: 1,
        checkoutSession: 1,
        portalSession: 1,
        subscriptionUpdate: 1,
        customerAfterLostAnswers: 1,
      });

      const report = await checkInvariants(db, { now: h.t.deps.now(), config: h.t.deps.config });
      expectSound(report, 'after S7');
    },
  );
});
