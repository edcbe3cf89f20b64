/**
 * S4 (reliability.md §3.2): a subscription's lifecycle in any order. The five
 * events customer.subscription.created, invoice.paid,
 * customer.subscription.updated, invoice.payment_failed and
 * customer.subscription.deleted: every permutation of every 4-event subset
 * (5 × 24 = 120 orders), one fresh member and subscription per order, each
 * invoice.paid delivered 3 times.
 *
 * Each member buys pro_monthly through our checkout API and the fake runs the
 * whole lifecycle before anything is delivered: checkout (subscription
 * created, first invoice paid), a failed renewal (`failPayment`: updated to
 * past_due, invoice.payment_failed) and the end (`endSubscription`: deleted).
 * Orders that leave `deleted` out end the subscription in the fake for a
 * seeded half of them (the event is lost, the API still says canceled) and
 * keep it past_due for the other half (it never happened), so "equals the
 * API" is checked against both answers.
 *
 * Deliveries are sent by hand (the fake's own sends are held for good, so
 * nothing else reaches the app) in the order's sequence, each sent once the
 * previous one was stored (answered 2xx). The platform applies them with its
 * two event slots, so neighbours may also be applied side by side, as when
 * Stripe sends them close together. Eight orders run at once, each a member
 * set up and then its deliveries. Of invoice.paid's three copies, two are
 * sent at once at its place and the third at a seeded later place.
 * checkout.session.completed and the other events the fake emits
 * (invoice.created, charge.succeeded, …) are not delivered: for a plan
 * they only mark the order paid, and leaving them out shows the
 * subscription's state and allowance come from these five events alone.
 *
 * What must hold, per order: the member's subscription as the API shows it
 * (status, access, period, cancel flag, end) equals the fake's; no access
 * once the fake deleted it; one allowance grant for the paid invoice if it
 * was delivered (1000 credits, expiring at its line's period end), none
 * otherwise; one payment_failed notice per delivered failure; every
 * delivered event applied (not flagged or left waiting).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StripeObject } from '../../../../tests/fakes/stripe';
import { seededRandom, shuffle } from '../../../../tests/fakes/stripe/webhooks';
import { createBillingHarness, type BillingHarness } from '../../../../tests/support/billing';
import { checkInvariants, expectSound } from '../../../../tests/support/checker';
import { histogram, recorded, reliabilitySeed } from '../../../../tests/support/reliability';
import type { BillingOverview } from '../../../shared/billing';
import { queryRows } from '../../db/client';

const LIFECYCLE = [
  'customer.subscription.created',
  'invoice.paid',
  'customer.subscription.updated',
  'invoice.payment_failed',
  'customer.subscription.deleted',
] as const;
type LifecycleType = (typeof LIFECYCLE)[number];

const PLAN_CREDITS = 1000;
const PAID_COPIES = 3;
/** Orders in flight at once (each: sign-up, checkout, lifecycle, deliveries). */
const CONCURRENCY = 8;
const BOUND_MS = 20_000;
const ACCESS_STATUSES = ['active', 'trialing', 'past_due'];

interface Order {
  index: number;
  omitted: LifecycleType;
  sequence: LifecycleType[];
  /** Whether the fake ends the subscription (always, unless `deleted` is the omitted event). */
  endedInFake: boolean;
  /** invoice.paid's third copy is sent after this many of the sequence's events (past its own place). */
  lastPaidCopyAfter: number;
}

interface Prepared extends Order {
  userId: string;
  cookie: string;
  subscriptionId: string;
  events: Partial<Record<LifecycleType, string>>;
  paidInvoice: StripeObject;
  failedInvoiceId: string;
  /** Steps in order; each step's event ids are sent at once. */
  steps: string[][];
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

/** The 120 orders, with every seeded choice made up front (orders run concurrently). */
function planOrders(seed: number): Order[] {
  const random = seededRandom(seed);
  const orders: Order[] = [];
  for (const omitted of LIFECYCLE) {
    for (const sequence of permutations(LIFECYCLE.filter((type) => type !== omitted))) {
      const paidAt = sequence.indexOf('invoice.paid');
      orders.push({
        index: orders.length,
        omitted,
        sequence,
        endedInFake: true,
        lastPaidCopyAfter: paidAt < 0 ? -1 : paidAt + 1 + Math.floor(random() * (sequence.length - paidAt)),
      });
    }
  }
  // Half the orders without `deleted` still end in the fake (the event is lost); half never end.
  const withoutDeleted = orders.filter((o) => o.omitted === 'customer.subscription.deleted');
  for (const order of shuffle(withoutDeleted, Math.floor(random() * 2 ** 32)).slice(
    0,
    withoutDeleted.length / 2,
  )) {
    order.endedInFake = false;
  }
  return orders;
}

/** Runs `task` over `items`, at most `limit` at a time; results in the items' order. */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const objectOf = (event: StripeObject) => (event.data as { object: StripeObject }).object;

function subscriptionOfInvoice(invoice: StripeObject): unknown {
  const parent = invoice.parent as { subscription_details?: { subscription?: unknown } } | null;
  return parent?.subscription_details?.subscription ?? invoice.subscription;
}

const iso = (seconds: unknown) =>
  typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : null;

let h: BillingHarness;
beforeAll(async () => {
  h = await createBillingHarness({ env: { RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' } });
  // Held for good: the fake sends nothing on its own; the test sends each delivery itself.
  h.fake.webhooks.hold = true;
});
afterAll(async () => {
  await h?.close();
});

/** A member with pro_monthly bought through our API, and its whole lifecycle run in the fake. */
async function prepare(order: Order): Promise<Prepared> {
  const fake = h.fake;
  const member = await h.member();
  const { sessionId } = await h.checkout(member, 'pro_monthly');
  fake.completeCheckout(sessionId);
  const subscriptionId = String(fake.store.sessions.get(sessionId)!.subscription);
  fake.failPayment(subscriptionId);
  if (order.endedInFake) fake.endSubscription(subscriptionId);

  const events: Partial<Record<LifecycleType, string>> = {};
  let paidInvoice: StripeObject | undefined;
  let failedInvoiceId: string | undefined;
  for (const event of fake.store.events) {
    const type = String(event.type) as LifecycleType;
    if (!LIFECYCLE.includes(type)) continue;
    const object = objectOf(event);
    const about = type.startsWith('invoice.') ? subscriptionOfInvoice(object) : object.id;
    if (about !== subscriptionId) continue;
    if (events[type]) throw new Error(`two ${type} events for ${subscriptionId}`);
    events[type] = event.id;
    if (type === 'invoice.paid') paidInvoice = object;
    if (type === 'invoice.payment_failed') failedInvoiceId = object.id;
  }
  for (const type of order.sequence) {
    if (!events[type]) throw new Error(`the fake emitted no ${type} for ${subscriptionId}`);
  }

  // invoice.paid: two copies at once at its place, the third after `lastPaidCopyAfter` events.
  const steps = order.sequence.map((type) => [events[type]!]);
  const paidAt = order.sequence.indexOf('invoice.paid');
  if (paidAt >= 0) {
    const paid = events['invoice.paid']!;
    steps[paidAt] = [paid, paid];
    steps.splice(order.lastPaidCopyAfter, 0, [paid]);
  }
  return {
    ...order,
    userId: member.userId,
    cookie: member.cookie,
    subscriptionId,
    events,
    paidInvoice: paidInvoice!,
    failedInvoiceId: failedInvoiceId!,
    steps,
  };
}

it('S4: 120 orders of a subscription lifecycle end as the Stripe API says, one grant per paid invoice', async () => {
  const seed = reliabilitySeed();
  const orders = planOrders(seed);
  await recorded(
    'S4-subscription-orders',
    {
      driver: h.t.database.driver,
      seed,
      parameters: {
        orders: orders.length,
        subsets: LIFECYCLE.length,
        permutationsPerSubset: 24,
        paidCopies: PAID_COPIES,
        concurrency: CONCURRENCY,
        checkoutEventsDelivered: false,
        ordersWithoutDeletedEndedInFake: orders.filter(
          (o) => o.omitted === 'customer.subscription.deleted' && o.endedInFake,
        ).length,
        boundMs: BOUND_MS,
      },
    },
    async (figures) => {
      const fake = h.fake;
      const db = h.t.database.db;
      const started = performance.now();
      const timing = { setup: 0, deliver: 0 };

      // Each order: a member, a checkout, the whole lifecycle in the fake, then its deliveries in
      // sequence, each sent once the previous one was stored (answered 2xx).
      const statuses: number[] = [];
      const prepared = await pool(orders, CONCURRENCY, async (order) => {
        const setupAt = performance.now();
        const ready = await prepare(order);
        timing.setup += performance.now() - setupAt;
        const deliverAt = performance.now();
        for (const step of ready.steps) {
          const deliveries = await Promise.all(step.map((id) => fake.redeliver(id)));
          statuses.push(...deliveries.map((d) => d.status));
        }
        timing.deliver += performance.now() - deliverAt;
        return ready;
      });
      figures.allDeliveredMs = Math.round(performance.now() - started);
      await h.settled(60_000);
      figures.allAppliedMs = Math.round(performance.now() - started);
      figures.setupMsPerOrder = Math.round(timing.setup / orders.length);
      figures.deliverMsPerOrder = Math.round(timing.deliver / orders.length);
      figures.deliveries = statuses.length;
      figures.non2xx = statuses.filter((s) => s < 200 || s >= 300).length;

      // Every order against the fake's API.
      const userIds = prepared.map((p) => p.userId);
      const inList = (values: readonly string[]) =>
        sql.join(
          values.map((v) => sql`${v}`),
          sql`, `,
        );
      const grants = await queryRows<{
        user_id: string;
        source_ref: string | null;
        amount: number;
        kind: string;
        expires_at: Date | string | null;
      }>(
        db,
        sql`select a.user_id, g.source_ref, g.amount, g.kind, g.expires_at
          from credit_grants g join credit_accounts a on a.id = g.account_id
          where a.user_id in (${inList(userIds)})`,
      );
      const deliveredIds = prepared.flatMap((p) => p.sequence.map((type) => p.events[type]!));
      const inbox = await queryRows<{ id: string; status: string; note: string | null; applied: string }>(
        db,
        sql`select id, status, note, (extract(epoch from applied_at) * 1000)::float8 as applied
          from stripe_events where id in (${inList(deliveredIds)})`,
      );
      const inboxById = new Map(inbox.map((row) => [row.id, row]));
      const notices = await queryRows<{ user_id: string; kind: string; ref: string }>(
        db,
        sql`select user_id, kind, ref from billing_notices where user_id in (${inList(userIds)})`,
      );

      const balances = new Map(
        (
          await queryRows<{ user_id: string; available: number }>(
            db,
            sql`select user_id, available from credit_accounts where user_id in (${inList(userIds)})`,
          )
        ).map((row) => [row.user_id, row.available]),
      );
      const failures: string[] = [];
      const grantsPerPaidInvoice: number[] = [];
      const finalStates: string[] = [];
      let outOfSequence = 0;
      for (const order of prepared) {
        const problems: string[] = [];
        const api = fake.store.subscriptions.get(order.subscriptionId)!;
        const item = (api.items as { data: StripeObject[] }).data[0]!;
        const response = await h.t.request('/api/billing', { headers: { cookie: order.cookie } });
        const view = ((await response.json()) as BillingOverview).subscription;
        const expected = {
          id: order.subscriptionId,
          status: api.status,
          hasAccess: ACCESS_STATUSES.includes(String(api.status)) && api.ended_at === null,
          cancelAtPeriodEnd: api.cancel_at_period_end,
          currentPeriodEnd: iso(item.current_period_end),
          endedAt: iso(api.ended_at),
        };
        const actual = view && {
          id: view.id,
          status: view.status,
          hasAccess: view.hasAccess,
          cancelAtPeriodEnd: view.cancelAtPeriodEnd,
          currentPeriodEnd: view.currentPeriodEnd,
          endedAt: view.endedAt,
        };
        finalStates.push(`${view?.status ?? 'none'}${view?.hasAccess ? ' with access' : ''}`);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          problems.push(
            `subscription ${JSON.stringify(actual)} but the API says ${JSON.stringify(expected)}`,
          );
        }
        if (order.endedInFake && view?.hasAccess !== false) problems.push('access kept after deleted');

        const paidDelivered = order.sequence.includes('invoice.paid');
        const mine = grants.filter((g) => g.user_id === order.userId);
        const paidRef = `stripe:invoice:${order.paidInvoice.id}`;
        const forPaid = mine.filter((g) => g.source_ref === paidRef);
        if (paidDelivered) grantsPerPaidInvoice.push(forPaid.length);
        const periodEnd = (order.paidInvoice.lines as { data: { period: { end: number } }[] }).data[0]!.period
          .end;
        const expectedGrants = paidDelivered
          ? [{ source_ref: paidRef, amount: PLAN_CREDITS, kind: 'subscription', expires: iso(periodEnd) }]
          : [];
        const actualGrants = mine.map((g) => ({
          source_ref: g.source_ref,
          amount: g.amount,
          kind: g.kind,
          expires: g.expires_at === null ? null : new Date(g.expires_at).toISOString(),
        }));
        if (JSON.stringify(actualGrants) !== JSON.stringify(expectedGrants)) {
          problems.push(`grants ${JSON.stringify(actualGrants)}, expected ${JSON.stringify(expectedGrants)}`);
        }
        const available = balances.get(order.userId) ?? 0;
        if (available !== (paidDelivered ? PLAN_CREDITS : 0)) problems.push(`balance ${available}`);

        const failedDelivered = order.sequence.includes('invoice.payment_failed');
        const failNotices = notices.filter((n) => n.user_id === order.userId && n.kind === 'payment_failed');
        const expectedNotices = failedDelivered ? [order.failedInvoiceId] : [];
        if (JSON.stringify(failNotices.map((n) => n.ref)) !== JSON.stringify(expectedNotices)) {
          problems.push(`payment_failed notices ${JSON.stringify(failNotices.map((n) => n.ref))}`);
        }
        const rows = order.sequence.map((type) => inboxById.get(order.events[type]!));
        rows.forEach((row, i) => {
          const type = order.sequence[i]!;
          if (row?.status !== 'applied')
            problems.push(`${type} is ${row?.status ?? 'missing'} (${row?.note ?? ''})`);
        });
        // The platform applies with two slots, so consecutive deliveries may be applied side by
        // side (and finish out of order): counted, not required.
        const appliedAt = rows.map((row) => Number(row?.applied));
        if (appliedAt.some((at, i) => i > 0 && at < appliedAt[i - 1]!)) outOfSequence += 1;
        if (problems.length > 0) {
          failures.push(
            `order ${order.index} (without ${order.omitted}; ${order.sequence.join(' > ')}; ` +
              `${order.endedInFake ? 'ended' : 'not ended'} in the fake): ${problems.join('; ')}`,
          );
        }
      }

      figures.permutationsPassing = `${orders.length - failures.length}/${orders.length}`;
      figures.grantsPerInvoice = histogram(grantsPerPaidInvoice);
      figures.finalStates = Object.fromEntries(
        [...new Set(finalStates)].sort().map((s) => [s, finalStates.filter((f) => f === s).length]),
      );
      figures.ordersFinishedOutOfSequence = outOfSequence;
      figures.totalMs = Math.round(performance.now() - started);
      expect(figures.non2xx).toBe(0);
      expect(statuses.length).toBe(orders.length * 4 + grantsPerPaidInvoice.length * (PAID_COPIES - 1));
      expect(failures).toEqual([]);
      expect(grantsPerPaidInvoice.every((n) => n === 1)).toBe(true);

      const report = await checkInvariants(db, { now: h.t.deps.now(), config: h.t.deps.config, userIds });
      expectSound(report, 'after S4');
    },
  );
}, 120_000);
