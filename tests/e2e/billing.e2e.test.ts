/**
 * Billing in the browser (issue 5, decision 020), in English and in Chinese:
 * a new member buys a credit pack on the (fake) Stripe checkout page and sees
 * the credits arrive, spends some on an image, subscribes to a plan, gets the
 * plan's allowance once per paid invoice (a renewal's `invoice.paid` arrives
 * three times), cancels at period end, and loses the plan when Stripe ends the
 * subscription (`customer.subscription.deleted`), after which the pricing page
 * sells them a plan again.
 *
 * The Stripe fake runs in the global setup and posts its webhooks to the
 * server; what happens on Stripe's side with nobody clicking (a renewal, the
 * end of the period, a webhook sent again) is asked of it over HTTP
 * (/__control/…, tests/fakes/stripe/control.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, inject, it } from 'vitest';
import { LANGS, open, t, url, waitForHydration, withSession, type Lang } from './browser';

/** STARTER_CREDITS: the server's default, which the e2e setup leaves alone. */
const STARTER_CREDITS = 20;
/** pack_100 and plan pro_monthly of the built-in catalog (src/server/billing/settings.ts). */
const PACK_CREDITS = 100;
const PLAN_ALLOWANCE = 1000;
/** What the fake's prices charge (tests/fakes/stripe.ts defaultPrices), as its checkout page shows them. */
const PACK_TOTAL = '5.00 USD';
const PLAN_TOTAL = '15.00 USD';
const JOURNEY_TIMEOUT_MS = 60_000;

const names: Record<Lang, string> = { en: 'Ada Lovelace', zh: '韩梅梅' };

interface Emitted {
  id: string;
  type: string;
}

/** The Stripe fake's control API (JSON in and out). */
async function stripeControl<T>(method: 'GET' | 'POST', path: string): Promise<T> {
  const response = await fetch(new URL(`/__control${path}`, inject('stripeFakeUrl')), { method });
  if (!response.ok)
    throw new Error(`${method} /__control${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

async function signUp(page: Page, lang: Lang, email: string) {
  await open(page, `/${lang}/sign-up`);
  await page.fill('#name', names[lang]);
  await page.fill('#email', email);
  await page.fill('#password', 'correct horse battery');
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(url(`/${lang}/dashboard`));
  await page.getByTestId('dashboard-heading').waitFor();
}

/** The header's balance (digits only: "1,118 credits", "1,118 点"). */
const chipNumber = async (page: Page) =>
  Number((await page.getByTestId('credit-chip').innerText()).replace(/[^\d]/g, ''));

const isPayPage = (target: URL) =>
  target.origin === new URL(inject('stripeFakeUrl')).origin && target.pathname.startsWith('/c/pay/');

/**
 * Clicks a pricing button, lands on the fake's checkout page, checks the
 * amount Stripe will charge, pays, and returns on the success page with the
 * order id of its URL.
 */
async function buyOnCheckout(page: Page, lang: Lang, testId: string, total: string): Promise<string> {
  await Promise.all([page.waitForURL(isPayPage), page.getByTestId(testId).click()]);
  expect(await page.locator('#total').innerText()).toBe(total);
  await Promise.all([
    page.waitForURL((target) => target.pathname === `/${lang}/billing/success`),
    page.locator('#pay').click(),
  ]);
  await waitForHydration(page);
  const orderId = new URL(page.url()).searchParams.get('order');
  expect(orderId).toMatch(/^[0-9a-f-]{36}$/);
  await page.locator('[data-testid=billing-success-state][data-state=paid]').waitFor({ timeout: 20_000 });
  return orderId!;
}

interface BillingView {
  status: string | null;
  phase: string | null;
  invoices: number;
  balance: number;
}

/** Opens the billing page afresh (server-rendered balance, fetched plan and invoices). */
async function billingView(page: Page, lang: Lang): Promise<BillingView> {
  await open(page, `/${lang}/billing`);
  const status = page.getByTestId('billing-plan-status');
  await status.waitFor();
  return {
    status: await status.getAttribute('data-status'),
    phase: await status.getAttribute('data-phase'),
    invoices: await page.locator('[data-testid=billing-invoices] tbody tr').count(),
    balance: await chipNumber(page),
  };
}

/** Reloads the billing page until it shows `expected` (webhooks and their jobs run in the background). */
async function expectBilling(page: Page, lang: Lang, expected: BillingView) {
  await expect.poll(() => billingView(page, lang), { timeout: 20_000, interval: 300 }).toEqual(expected);
}

/** A date placeholder for `withAnyDate`. */
const DATE = '\u0000';

/** A pattern for a translated sentence whose `DATE` may be any formatted date. */
const withAnyDate = (sentence: string) =>
  new RegExp(
    `^${sentence
      .split(DATE)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+')}$`,
  );

/** The status pill's words, next to the plan's name. */
const statusPill = (page: Page) => page.getByTestId('billing-plan-status').locator('p').first();

describe('billing', () => {
  for (const lang of LANGS) {
    it(
      `buys a pack, spends, subscribes, is granted each renewal once, cancels, and loses the plan when it ends (${lang})`,
      async () => {
        const started = Date.now();
        await withSession(
          async ({ page }) => {
            const email = `e2e-billing-${lang}-${randomBytes(5).toString('hex')}@example.test`;
            await signUp(page, lang, email);
            expect(await chipNumber(page)).toBe(STARTER_CREDITS);

            // A credit pack, paid on Stripe's page.
            await open(page, `/${lang}/pricing`);
            expect(await page.locator('main h1').innerText()).toBe(t(lang, 'pricing.hero.title'));
            expect(await page.getByTestId('pricing-pack-pack_100').innerText()).toBe(
              t(lang, 'pricing.pack.buy'),
            );
            const packOrder = await buyOnCheckout(page, lang, 'pricing-pack-pack_100', PACK_TOTAL);
            expect(await page.locator('main h1').innerText()).toBe(t(lang, 'billingSuccess.heading.paid'));
            let balance = STARTER_CREDITS + PACK_CREDITS;
            await expect.poll(() => chipNumber(page)).toBe(balance);

            // One image with the offline model: the balance drops by the price shown.
            await open(page, `/${lang}/generate`);
            const form = page.getByTestId('generator-form');
            await form.getByTestId('model-picker').selectOption('local-preview');
            await form.locator('[data-testid=choice-size] label:has(input[value="1024x1024"])').click();
            await form.locator('[data-testid=choice-n] label:has(input[value="1"])').click();
            await form.getByTestId('prompt').fill('a paper boat on a quiet canal');
            const cost = Number(/=\s*([\d,]+)/.exec(await form.getByTestId('cost-summary').innerText())?.[1]);
            expect(cost).toBeGreaterThan(0);
            await page.getByTestId('generate-submit').click();
            await page
              .locator('[data-testid=generation-card][data-status=succeeded]')
              .waitFor({ timeout: 30_000 });
            balance -= cost;
            await expect.poll(() => chipNumber(page)).toBe(balance);

            // The plan: its first paid invoice grants the allowance.
            await open(page, `/${lang}/pricing`);
            const subscribe = page.getByTestId('pricing-plan-pro_monthly');
            expect(await subscribe.innerText()).toBe(t(lang, 'pricing.plan.subscribe'));
            const planOrder = await buyOnCheckout(page, lang, 'pricing-plan-pro_monthly', PLAN_TOTAL);
            expect(planOrder).not.toBe(packOrder);
            expect(await page.locator('main h1').innerText()).toBe(
              t(lang, 'billingSuccess.heading.planActive'),
            );
            balance += PLAN_ALLOWANCE;
            await expectBilling(page, lang, { status: 'active', phase: 'renewing', invoices: 1, balance });
            expect(await statusPill(page).innerText()).toContain(t(lang, 'billing.status.active'));
            const orders = page.getByTestId('billing-orders');
            expect(await orders.locator(`[data-order="${packOrder}"]`).getAttribute('data-status')).toBe(
              'paid',
            );
            expect(await orders.locator(`[data-order="${planOrder}"]`).getAttribute('data-status')).toBe(
              'paid',
            );

            // Stripe's side: the member's one subscription, the one the platform shows.
            const { data: subscriptions } = await stripeControl<{ data: { id: string; status: string }[] }>(
              'GET',
              `/subscriptions?email=${encodeURIComponent(email)}`,
            );
            expect(subscriptions.map((s) => s.status)).toEqual(['active']);
            const subId = subscriptions[0]!.id;
            const overview = (await (await page.request.get(url('/api/billing'))).json()) as {
              subscription: { id: string } | null;
            };
            expect(overview.subscription?.id).toBe(subId);

            // A renewal; its invoice.paid arrives three times (the delivery and two resends,
            // the first racing the delivery): the allowance is granted once.
            const renewal = await stripeControl<{ invoice: { id: string }; events: Emitted[] }>(
              'POST',
              `/subscriptions/${subId}/renew`,
            );
            const invoicePaid = renewal.events.find((e) => e.type === 'invoice.paid')!;
            const resend = () =>
              stripeControl<{ delivery: { status: number } }>('POST', `/events/${invoicePaid.id}/redeliver`);
            expect((await resend()).delivery.status).toBe(200);
            balance += PLAN_ALLOWANCE;
            await expectBilling(page, lang, { status: 'active', phase: 'renewing', invoices: 2, balance });
            expect((await resend()).delivery.status).toBe(200);
            await stripeControl('POST', '/webhooks/settled');
            await expectBilling(page, lang, { status: 'active', phase: 'renewing', invoices: 2, balance });
            expect(
              await page.locator(`[data-invoice="${renewal.invoice.id}"]`).getAttribute('data-status'),
            ).toBe('paid');

            // Cancel at period end: the plan runs until then, and says so.
            await page.getByTestId('billing-cancel').click();
            await page.locator('[data-testid=billing-plan-status][data-phase=ending]').waitFor();
            expect(await page.getByTestId('billing-outcome').innerText()).toMatch(
              withAnyDate(t(lang, 'billing.cancelled', { date: DATE })),
            );
            expect(await statusPill(page).innerText()).toContain(t(lang, 'billing.status.ending'));
            await expectBilling(page, lang, { status: 'active', phase: 'ending', invoices: 2, balance });
            expect(await page.getByTestId('billing-resume').innerText()).toBe(t(lang, 'billing.resume'));

            // Stripe ends it (customer.subscription.deleted): no more access.
            const ended = await stripeControl<{ events: Emitted[] }>('POST', `/subscriptions/${subId}/end`);
            expect(ended.events.map((e) => e.type)).toEqual(['customer.subscription.deleted']);
            await expectBilling(page, lang, { status: 'canceled', phase: 'inactive', invoices: 2, balance });
            expect(await statusPill(page).innerText()).toContain(t(lang, 'billing.status.canceled'));
            expect(await page.getByTestId('billing-cancel').count()).toBe(0);

            // The pricing page sells them a plan again, up to Stripe's page (left with Cancel).
            await open(page, `/${lang}/pricing`);
            const again = page.getByTestId('pricing-plan-pro_monthly');
            expect(await again.innerText()).toBe(t(lang, 'pricing.plan.subscribe'));
            await Promise.all([page.waitForURL(isPayPage), again.click()]);
            await Promise.all([
              page.waitForURL((target) => target.pathname === `/${lang}/billing/cancel`),
              page.locator('#cancel').click(),
            ]);
            await waitForHydration(page);
            expect(await page.locator('main h1').innerText()).toBe(t(lang, 'billingCancel.heading'));
            expect(await chipNumber(page)).toBe(balance);
          },
          { locale: lang === 'zh' ? 'zh-CN' : 'en-US' },
        );
        const seconds = (Date.now() - started) / 1000;
        console.info(`billing journey (${lang}): ${seconds.toFixed(1)} s`);
      },
      JOURNEY_TIMEOUT_MS,
    );
  }
});
