/**
 * The reconciler (issue 5 part 4): what webhooks never delivered is found
 * through Stripe's API and applied once; running it again adds nothing.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBillingHarness, type BillingHarness } from '../../../tests/support/billing';
import { checkInvariants, expectSound } from '../../../tests/support/checker';
import { queryRows } from '../db/client';
import { runReconciler } from './reconcile-command';
import { reconcileStripe } from './reconciler';

let h: BillingHarness;
beforeAll(async () => {
  h = await createBillingHarness();
});
afterAll(async () => {
  await h?.close();
});

it('finds undelivered events and paid sessions, applies them once, and adds nothing on a second run', async () => {
  const packBuyer = await h.member();
  const subscriber = await h.member();
  const silent = await h.member();
  const pack = await h.checkout(packBuyer, 'pack_500');
  const plan = await h.checkout(subscriber, 'pro_monthly');
  const lost = await h.checkout(silent, 'pack_100');
  await h.settled();

  // Stripe cannot reach us: every delivery fails (404), so the events stay undelivered.
  h.fake.setWebhookEndpoint(`${h.url}/api/not-the-webhook`);
  h.fake.webhooks.maxAttempts = 1;
  h.fake.completeCheckout(pack.sessionId);
  h.fake.completeCheckout(plan.sessionId);
  await h.fake.webhooksSettled();
  // This one's events are lost entirely (delivered, per Stripe, to an endpoint that dropped them).
  h.fake.setWebhookEndpoint(undefined);
  h.fake.completeCheckout(lost.sessionId);
  expect(await h.available(packBuyer.userId)).toBe(0);
  expect(await h.available(subscriber.userId)).toBe(0);

  const first = await reconcileStripe(h.t.deps.billing);
  await h.settled();
  expect(first.eventsStored).toBeGreaterThan(0);
  expect(first.sessionsRecovered).toBe(1);
  expect(await h.available(packBuyer.userId)).toBe(500);
  expect(await h.available(subscriber.userId)).toBe(1000);
  expect(await h.available(silent.userId)).toBe(100);

  const second = await reconcileStripe(h.t.deps.billing);
  await h.settled();
  expect(second).toMatchObject({ eventsStored: 0, sessionsRecovered: 0 });
  expect(second.eventsListed).toBe(first.eventsListed);
  expect(await h.available(packBuyer.userId)).toBe(500);
  expect(await h.available(subscriber.userId)).toBe(1000);
  expect(await h.available(silent.userId)).toBe(100);

  const sources = await queryRows<{ source: string; n: number }>(
    h.t.database.db,
    sql`select source, count(*)::int as n from stripe_events group by source order by source`,
  );
  expect(sources.find((s) => s.source === 'reconciler')?.n).toBe(
    first.eventsStored + first.sessionsRecovered,
  );
  expect(h.t.logs.some((line) => line.includes('stripe reconciler found what webhooks missed'))).toBe(true);
  expectSound(
    await checkInvariants(h.t.database.db, { now: h.t.deps.now(), config: h.t.deps.config }),
    'after reconciling',
  );
});

it('`npm run admin -- reconcile-stripe` finds and applies at once what webhooks missed', async () => {
  const member = await h.member();
  const { sessionId } = await h.checkout(member, 'pack_100');
  await h.settled();
  h.fake.setWebhookEndpoint(`${h.url}/api/not-the-webhook`);
  h.fake.webhooks.maxAttempts = 1;
  h.fake.completeCheckout(sessionId);
  await h.fake.webhooksSettled();
  expect(await h.available(member.userId)).toBe(0);

  const result = await runReconciler({
    config: h.t.deps.config,
    database: h.t.database,
    logger: h.t.deps.logger,
    days: 1,
  });
  expect(result.eventsStored).toBeGreaterThan(0);
  // Credited when the command returns: it applies what it stored itself (unless a running
  // worker was quicker), so it works with the server stopped.
  expect(await h.available(member.userId)).toBe(100);
  await h.settled();
  expect(await h.available(member.userId)).toBe(100);
});
