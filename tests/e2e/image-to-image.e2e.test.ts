/**
 * Image-to-image on the generator page (issue 4, part 7 and its "done
 * when"): with OpenAI configured by an admin to point at the OpenAI fake,
 * a member picks GPT Image 2, adds two reference images from files, and
 * generates; the images reach the provider as the edit request's files and
 * the result lands on the page. Switching to a model without references
 * hides the picker.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOpenAiFake, type OpenAiFake } from '../fakes/openai';
import { open, url, withSession } from './browser';

const PASSWORD = 'correct horse battery';
const origin = () => new URL(url('/')).origin;
let fake: OpenAiFake;
let adminCookie = '';

/** The admin's session, signing the account up first when no other test has. */
async function adminSession(): Promise<string> {
  const email = inject('adminEmail');
  const post = (path: string, body: unknown) =>
    fetch(url(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: origin() },
      body: JSON.stringify(body),
    });
  await post('/api/auth/sign-up/email', { name: 'Ada Admin', email, password: PASSWORD });
  const signIn = await post('/api/auth/sign-in/email', { email, password: PASSWORD });
  if (!signIn.ok) throw new Error(`admin sign-in: HTTP ${signIn.status}`);
  return signIn.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
}

const configureOpenAi = (body: Record<string, unknown>) =>
  fetch(url('/api/admin/providers/openai'), {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', origin: origin(), cookie: adminCookie },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  fake = await startOpenAiFake();
  adminCookie = await adminSession();
  const response = await configureOpenAi({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, enabled: true });
  if (!response.ok) throw new Error(`configure openai: HTTP ${response.status} ${await response.text()}`);
});
afterAll(async () => {
  // Leave the shared server as it was for the other browser tests.
  await configureOpenAi({ enabled: false, removeKey: true, baseUrl: null });
  await fake.close();
});

async function signUp(page: Page) {
  await open(page, '/en/sign-up');
  await page.fill('#name', 'Ivy Member');
  await page.fill('#email', `e2e-i2i-${randomBytes(5).toString('hex')}@example.test`);
  await page.fill('#password', PASSWORD);
  await page.locator('main form button[type=submit]').click();
  await page.waitForURL(url('/en/dashboard'));
}

const picture = (background: string) =>
  sharp({ create: { width: 96, height: 64, channels: 3, background } })
    .png()
    .toBuffer();

describe('image-to-image on the generator page', () => {
  it('sends the member’s reference images to the provider and shows the result', async () => {
    await withSession(async ({ page }) => {
      await signUp(page);
      await open(page, '/en/generate');
      const form = page.getByTestId('generator-form');
      await form.getByTestId('model-picker').selectOption('local-preview');
      expect(await form.getByTestId('reference-images-field').count()).toBe(0);
      await form.getByTestId('model-picker').selectOption('gpt-image-2');
      const field = form.getByTestId('reference-images-field');
      await field.waitFor();
      await field.locator('input[type=file]').setInputFiles([
        { name: 'red.png', mimeType: 'image/png', buffer: await picture('red') },
        { name: 'blue.png', mimeType: 'image/png', buffer: await picture('blue') },
      ]);
      await expect.poll(() => field.getByTestId('reference-image').count(), { timeout: 15_000 }).toBe(2);
      await form.getByTestId('prompt').fill('the same scene as a watercolour');
      const before = fake.requests.length;
      await form.getByTestId('prompt').press('Control+Enter');
      await page.waitForSelector('[data-testid=generation-card][data-status=succeeded]', { timeout: 30_000 });
      const edits = fake.requests.slice(before).filter((r) => r.path === '/v1/images/edits');
      expect(edits).toHaveLength(1);
      expect(edits[0]!.body.toString('latin1').match(/name="image\[\]"/g)).toHaveLength(2);
      expect(
        await page.getByTestId('generation-card').first().getByTestId('generation-thumbnail').count(),
      ).toBe(1);
    });
  });
});
