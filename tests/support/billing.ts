/**
 * Billing tests' setting: the real app (in-process, real database, event
 * workers running) served on a loopback port so the Stripe fake can deliver
 * webhooks to it, with the `stripe` client pointed at the fake. Members
 * sign up through the app; purchases go through our checkout API and the
 * fake's hosted-checkout equivalent (`completeCheckout`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/server/db/client';
import { stripeFakePriceEnv } from '../fakes/all';
import { startStripeFake, type StripeFake } from '../fakes/stripe';
import { createTestApp, signUp, type TestApp } from './app';
import { waitFor } from './wait-finished';

export interface BillingMember {
  userId: string;
  cookie: string;
  email: string;
}

export interface BillingHarness {
  t: TestApp;
  fake: StripeFake;
  /** The app's own origin on loopback (webhooks go to `${url}/api/webhooks/stripe`). */
  url: string;
  webhookUrl: string;
  member(): Promise<BillingMember>;
  /** POST /api/billing/checkout as the member; returns the order and the session id. */
  checkout(
    member: BillingMember,
    itemId: string,
  ): Promise<{ orderId: string; sessionId: string; url: string }>;
  /** Waits until every stored event has been applied (no inbox row left `received`). */
  settled(timeoutMs?: number): Promise<void>;
  available(userId: string): Promise<number>;
  close(): Promise<void>;
}

export { stripeFakePriceEnv as fakePriceEnv } from '../fakes/all';

export async function createBillingHarness(
  options: { env?: Record<string, string>; webhooks?: boolean } = {},
): Promise<BillingHarness> {
  const fake = await startStripeFake();
  const t = await createTestApp(
    {
      STRIPE_SECRET_KEY: fake.secretKey,
      STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
      STRIPE_API_BASE: fake.origin,
      STRIPE_RECONCILE_INTERVAL_MINUTES: '0',
      STARTER_CREDITS: '0',
      // Billing tests sign many members up from one address.
      RATE_LIMIT_SIGN_UP_PER_HOUR: '10000',
      ...stripeFakePriceEnv,
      ...options.env,
    },
    { workers: true },
  );
  const listener = getRequestListener(t.app.fetch);
  const server: Server = createServer((req, res) => void listener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const webhookUrl = `${url}/api/webhooks/stripe`;
  if (options.webhooks !== false) fake.setWebhookEndpoint(webhookUrl);
  const db = t.database.db;

  return {
    t,
    fake,
    url,
    webhookUrl,
    async member() {
      const { cookie, email } = await signUp(t);
      const [row] = await queryRows<{ id: string }>(db, sql`select id from users where email = ${email}`);
      return { userId: row!.id, cookie, email };
    },
    async checkout(member, itemId) {
      const response = await t.request('/api/billing/checkout', {
        json: { itemId, lang: 'en' },
        headers: { cookie: member.cookie },
      });
      if (response.status !== 200) throw new Error(`checkout ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as { orderId: string; url: string };
      const sessionId = body.url.split('/').pop()!;
      return { orderId: body.orderId, sessionId, url: body.url };
    },
    async settled(timeoutMs = 15_000) {
      await fake.webhooksSettled();
      const pending = async () =>
        queryRows<{ id: string; type: string }>(
          db,
          sql`select id, type from stripe_events where status = 'received' order by received_at`,
        );
      await waitFor(async () => ((await pending()).length === 0 ? true : undefined), {
        timeoutMs,
        intervalMs: 25,
        describe: async () => `events still to apply: ${JSON.stringify(await pending())}`,
      });
    },
    async available(userId) {
      const [row] = await queryRows<{ available: number }>(
        db,
        sql`select coalesce((select available from credit_accounts where user_id = ${userId} and kind = 'user'), 0)::int as available`,
      );
      return row!.available;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await fake.close();
      await t.close();
    },
  };
}
