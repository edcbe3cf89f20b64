/**
 * The admin pages in the browser (issue 4, part 9): members get the 404
 * page; an admin adds an OpenAI-compatible endpoint that points at the
 * OpenAI fake (started here, on loopback), sees a rejected key explained
 * and the right one accepted by "Test connection", adds a priced model on
 * it, and a member generates with that model at once, paying that price;
 * the audit log lists the changes without a secret; the pages speak
 * Chinese and fit a phone's width; switching the model off hides it from
 * members again.
 */
import { randomBytes } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOpenAiFake, type OpenAiFake } from '../fakes/openai';
import { open, t, url, waitForHydration, withSession } from './browser';

const KEY = `sk-e2e-house-${randomBytes(6).toString('hex')}`;
const WRONG_KEY = 'sk-e2e-wrong-key-000000';
const PROVIDER_ID = `house_${randomBytes(3).toString('hex')}`;
const MODEL_ID = `house-flux-${randomBytes(3).toString('hex')}`;

const PASSWORD = 'correct horse battery';

let fake: OpenAiFake;
beforeAll(async () => {
  fake = await startOpenAiFake({ apiKey: KEY, extraModels: [MODEL_ID] });
  // The admin's account (ADMIN_EMAILS makes it an admin at sign-up), made
  // once through the API so each journey below can sign in on its own.
  const response = await fetch(url('/api/auth/sign-up/email'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: new URL(url('/')).origin },
    body: JSON.stringify({
      name: 'Ada Admin',
      email: inject('adminEmail'),
      password: PASSWORD,
      locale: 'en',
    }),
  });
  if (!response.ok) throw new Error(`admin sign-up: HTTP ${response.status} ${await response.text()}`);
});
afterAll(async () => {
  await fake.close();
});

async function signUp(page: Page, email: string) {
  await open(page, '/en/sign-up');
  await page.fill('#name', 'Grace Member');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(url('/en/dashboard'));
}

async function signInAsAdmin(page: Page, lang: 'en' | 'zh') {
  await open(page, `/${lang}/sign-in`);
  await page.fill('#email', inject('adminEmail'));
  await page.fill('#password', PASSWORD);
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(url(`/${lang}/dashboard`));
}

const memberEmail = () => `e2e-admin-member-${randomBytes(5).toString('hex')}@example.test`;

const chipNumber = async (page: Page) =>
  Number((await page.getByTestId('credit-chip').innerText()).replace(/[^\d]/g, ''));

/** The ids `GET /api/models` lists for the page's member. */
const memberModelIds = (page: Page) =>
  page.evaluate(async () => {
    const response = await fetch('/api/models');
    return ((await response.json()) as { models: { id: string }[] }).models.map((m) => m.id);
  });

/** Elements reaching past the right edge of the viewport (none on a page that fits). */
const overflowing = (page: Page) =>
  page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('main *')]
      .filter((el) => el.getBoundingClientRect().right > width + 1)
      .slice(0, 5)
      .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}">`);
  });

async function fill(scope: Locator, testId: string, value: string) {
  await scope.getByTestId(testId).fill(value);
}

describe('admin pages', () => {
  it('are a 404 page for members, who see no Admin link', async () => {
    await withSession(async ({ page }) => {
      await signUp(page, memberEmail());
      await page.getByTestId('account-menu').locator('summary').click();
      await page.getByTestId('sign-out').waitFor();
      expect(await page.getByTestId('admin-link').count()).toBe(0);
      for (const path of ['/en/admin', '/en/admin/models', '/en/admin/audit']) {
        const response = await open(page, path);
        expect(response.status(), path).toBe(404);
        expect(await page.locator('main h1').innerText()).toBe(t('en', 'notFound.title'));
        expect(await page.getByTestId('admin-nav').count()).toBe(0);
      }
    });
  });

  it('let an admin add an endpoint and a priced model that a member then generates with', async () => {
    await withSession(async ({ page }) => {
      await signInAsAdmin(page, 'en');

      // The account menu leads admins to the admin pages.
      await page.getByTestId('account-menu').locator('summary').click();
      await page.getByTestId('admin-link').click();
      await page.waitForURL(url('/en/admin'));
      await waitForHydration(page);
      expect(await page.locator('main h1').innerText()).toBe(t('en', 'admin.providers.heading'));
      const nav = page.getByTestId('admin-nav');
      expect(await nav.locator('[aria-current=page]').innerText()).toBe(t('en', 'admin.nav.providers'));
      const card = (id: string) => page.locator(`[data-testid=provider-card][data-provider-id="${id}"]`);
      await card('openai_compatible').waitFor();
      expect(await card('local').isVisible()).toBe(true);
      expect(await card('openai').getByTestId('key-source').innerText()).toBe(
        t('en', 'admin.providers.key.none'),
      );

      // A field error from the API lands next to its field.
      const add = page.getByTestId('add-provider-form');
      await fill(add, 'new-provider-id', 'Not An Id');
      await fill(add, 'new-provider-name-en', 'House GPU server');
      await fill(add, 'new-provider-name-zh', '自建 GPU 服务器');
      await fill(add, 'new-provider-base-url', fake.baseUrl);
      await fill(add, 'new-provider-key', KEY);
      await add.getByTestId('add-provider-submit').click();
      await add.getByTestId('add-provider-error').waitFor();
      expect(await add.getByTestId('new-provider-id').getAttribute('aria-invalid')).toBe('true');

      await fill(add, 'new-provider-id', PROVIDER_ID);
      await add.getByTestId('add-provider-submit').click();
      await add.getByTestId('add-provider-success').waitFor();
      const house = card(PROVIDER_ID);
      await house.waitFor();
      expect(await add.getByTestId('new-provider-key').inputValue()).toBe('');
      expect(await house.getByTestId('key-source').innerText()).toContain(`••••${KEY.slice(-4)}`);
      expect(await house.getByTestId('provider-enabled').getAttribute('aria-checked')).toBe('true');
      expect(await house.getByTestId('provider-key').inputValue()).toBe('');
      expect(await house.getByTestId('provider-key').getAttribute('type')).toBe('password');

      // A rejected key is explained; the right one connects.
      await house.getByTestId('provider-key').fill(WRONG_KEY);
      await house.getByTestId('provider-save').click();
      await house.getByTestId('provider-settings-success').waitFor();
      expect(await house.getByTestId('provider-key').inputValue()).toBe('');
      expect(await house.getByTestId('key-source').innerText()).toContain(`••••${WRONG_KEY.slice(-4)}`);
      await house.getByTestId('provider-test').click();
      const result = house.getByTestId('provider-test-result');
      await result.locator('[data-code=auth]').waitFor();
      expect(await result.innerText()).toContain(t('en', 'admin.providers.test.auth'));

      await house.getByTestId('provider-key').fill(KEY);
      await house.getByTestId('provider-save').click();
      await expect.poll(() => house.getByTestId('key-source').innerText()).toContain(`••••${KEY.slice(-4)}`);
      await house.getByTestId('provider-test').click();
      await result.locator('[data-code=ok]').waitFor();
      expect(await result.innerText()).toContain(`${fake.baseUrl}/models`);
      expect(fake.requests.filter((r) => r.path === '/v1/models').length).toBe(2);
      // Keys go in and never come back.
      expect(await page.content()).not.toContain(KEY);

      // A model on the new endpoint, with a price.
      await nav.getByRole('link', { name: t('en', 'admin.nav.models') }).click();
      await page.waitForURL(url('/en/admin/models'));
      const models = page.getByTestId('admin-model-list');
      await models.waitFor();
      expect(await models.locator('[data-model-id="local-preview"]').isVisible()).toBe(true);
      // The seeded OpenAI model has no enabled provider: listed, with why it is unusable.
      expect(
        await models.locator('[data-model-id="gpt-image-2"]').getByTestId('model-status').innerText(),
      ).toBe(t('en', 'admin.models.unusable.noRoute'));

      const form = page.getByTestId('add-model-form');
      await fill(form, 'new-model-id', MODEL_ID);
      await fill(form, 'new-model-name-en', 'House FLUX');
      await fill(form, 'new-model-name-zh', '自建 FLUX');
      await form.getByTestId('new-model-provider').selectOption(PROVIDER_ID);
      await fill(form, 'new-model-provider-model', MODEL_ID);
      await fill(form, 'new-model-max-images', '2');
      // A size that is not one is caught next to its field before anything is sent.
      await form.getByTestId('new-model-size-value').first().fill('1024');
      await form.getByTestId('add-model-submit').click();
      await form.getByTestId('add-model-error').waitFor();
      expect(await form.getByTestId('new-model-size-value').first().getAttribute('aria-invalid')).toBe(
        'true',
      );
      await form.getByTestId('new-model-size-value').first().fill('1024x1024');
      await fill(form, 'new-model-price-standard', '3');
      await form.getByTestId('add-model-submit').click();
      await form.getByTestId('add-model-success').waitFor();
      const added = models.locator(`[data-model-id="${MODEL_ID}"]`);
      await added.waitFor();
      expect(await added.getByTestId('model-status').innerText()).toBe(t('en', 'admin.models.usable'));
      expect(await added.innerText()).toContain('standard 3');

      // A member uses it at once and pays its price.
      await withSession(async ({ page: member }) => {
        await signUp(member, memberEmail());
        expect(await chipNumber(member)).toBe(20);
        expect(await memberModelIds(member)).toContain(MODEL_ID);
        await open(member, '/en/generate');
        const generator = member.getByTestId('generator-form');
        await generator.getByTestId('model-picker').selectOption(MODEL_ID);
        await generator.locator('[data-testid=choice-size] label:has(input[value="1024x1024"])').click();
        await generator.getByTestId('prompt').fill('a lighthouse drawn by the house server');
        await member.getByTestId('generate-submit').click();
        await member.waitForSelector('[data-testid=generation-card][data-status=succeeded]', {
          timeout: 30_000,
        });
        await expect.poll(() => chipNumber(member)).toBe(17);
        const sent = fake.requests.filter((r) => r.path === '/v1/images/generations').at(-1);
        expect((JSON.parse(sent!.body.toString()) as { model: string }).model).toBe(MODEL_ID);
      });

      // The audit log lists those changes, newest first, without the key.
      await nav.getByRole('link', { name: t('en', 'admin.nav.audit') }).click();
      await page.waitForURL(url('/en/admin/audit'));
      const audit = page.getByTestId('audit-list');
      await audit.waitFor();
      const entries = await audit
        .getByTestId('audit-entry')
        .evaluateAll((rows) =>
          rows.map((row) => `${row.getAttribute('data-action')}:${row.querySelector('code')?.textContent}`),
        );
      expect(entries.slice(0, 4)).toEqual([
        `model.create:${MODEL_ID}`,
        `provider.key_set:${PROVIDER_ID}`,
        `provider.key_set:${PROVIDER_ID}`,
        `provider.create:${PROVIDER_ID}`,
      ]);
      const created = audit.locator(`[data-testid=audit-entry][data-action="model.create"]`).first();
      expect(await created.innerText()).toContain(`1. ${PROVIDER_ID}/${MODEL_ID}`);
      expect(await created.innerText()).toContain(inject('adminEmail'));
      expect(await created.innerText()).toContain(t('en', 'admin.audit.action.modelCreate'));
      expect(await audit.innerText()).not.toContain(KEY);
      expect(await audit.innerText()).not.toContain(WRONG_KEY);

      // Above the log, the Stripe events that need an admin, by status.
      const stripeEvents = page.getByTestId('stripe-events');
      expect(await stripeEvents.getByRole('heading').first().innerText()).toBe(
        t('en', 'admin.stripeEvents.heading'),
      );
      const waiting = stripeEvents.getByRole('button', {
        name: t('en', 'admin.stripeEvents.status.deferred'),
      });
      await waiting.click();
      expect(await waiting.getAttribute('aria-pressed')).toBe('true');
      await stripeEvents
        .getByText(t('en', 'admin.stripeEvents.empty'))
        .or(stripeEvents.getByTestId('stripe-events-list'))
        .waitFor();

      // Switched off in the editor, the model is gone for members at once.
      await nav.getByRole('link', { name: t('en', 'admin.nav.models') }).click();
      await page.waitForURL(url('/en/admin/models'));
      const item = page.locator(`[data-testid=admin-model][data-model-id="${MODEL_ID}"]`);
      await item.getByTestId('model-edit-toggle').click();
      expect(await item.getByTestId('model-edit-toggle').getAttribute('aria-expanded')).toBe('true');
      await item.getByTestId('model-enabled').uncheck();
      await item.getByTestId('model-save').click();
      await item.getByTestId('model-editor-success').waitFor();
      expect(await item.getByTestId('model-status').innerText()).toBe(
        t('en', 'admin.models.unusable.disabled'),
      );
      expect(await memberModelIds(page)).not.toContain(MODEL_ID);
    });
  });

  it('speak Chinese and fit a phone’s width', async () => {
    await withSession(
      async ({ page }) => {
        await signInAsAdmin(page, 'zh');
        for (const [path, heading] of [
          ['/zh/admin', 'admin.providers.heading'],
          ['/zh/admin/models', 'admin.models.heading'],
          ['/zh/admin/audit', 'admin.audit.heading'],
        ] as const) {
          await open(page, path);
          expect(await page.locator('main h1').innerText()).toBe(t('zh', heading));
          expect(await page.title()).toContain(t('zh', heading));
          expect(await overflowing(page), path).toEqual([]);
        }
        // The model editor, opened, fits too.
        await open(page, '/zh/admin/models');
        const first = page.getByTestId('admin-model').first();
        await first.getByTestId('model-edit-toggle').click();
        await first.getByTestId('model-editor').waitFor();
        expect(await overflowing(page)).toEqual([]);

        await open(page, '/zh/admin');
        const nav = page.getByTestId('admin-nav');
        expect(await nav.innerText()).toContain(t('zh', 'admin.nav.models'));
        expect(await nav.getAttribute('aria-label')).toBe(t('zh', 'admin.nav.label'));
        const card = page.locator('[data-testid=provider-card][data-provider-id="openai_compatible"]');
        await card.waitFor();
        expect(await card.locator('h2').innerText()).toBe('OpenAI 兼容接口');
        expect(await card.getByTestId('provider-test').innerText()).toBe(
          t('zh', 'admin.providers.test.button'),
        );
        expect(await card.getByTestId('key-source').innerText()).toBe(
          t('zh', 'admin.providers.key.optional'),
        );
      },
      { viewport: { width: 390, height: 844 }, locale: 'zh-CN' },
    );
  });
});
