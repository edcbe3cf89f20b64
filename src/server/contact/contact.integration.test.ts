import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueEmail, type TestApp } from '../../../tests/support/app';
import { contactMessages } from '../db/schema';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_CONTACT_PER_HOUR: '3' });
});
afterAll(() => t.close());

describe('POST /api/contact', () => {
  it('stores a valid message', async () => {
    const email = uniqueEmail('contact');
    const response = await t.request('/api/contact', {
      json: { name: 'Grace', email, message: 'Hello, I have a question about credits.' },
      ip: '192.0.2.1',
    });
    expect(response.status).toBe(201);
    const rows = await t.database.db.select().from(contactMessages).where(eq(contactMessages.email, email));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'Grace', status: 'new', locale: 'en' });
  });

  it('answers a filled honeypot like a success but stores nothing', async () => {
    const email = uniqueEmail('bot');
    const response = await t.request('/api/contact', {
      json: { name: 'Bot', email, message: 'Buy cheap things now!!!', website: 'http://spam.example' },
      ip: '192.0.2.2',
    });
    expect(response.status).toBe(201);
    const rows = await t.database.db.select().from(contactMessages).where(eq(contactMessages.email, email));
    expect(rows).toHaveLength(0);
  });

  it('gives localized field errors and stores nothing for bad input', async () => {
    const response = await t.request('/api/contact', {
      json: { name: '', email: 'nope', message: 'short' },
      headers: { 'accept-language': 'zh-CN' },
      ip: '192.0.2.3',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { message: string; fields: { field: string; message: string }[] };
    };
    expect(body.error.message).toBe('部分字段无效，请检查后重试。');
    expect(body.error.fields).toEqual([
      { field: 'name', message: '此项为必填项。' },
      { field: 'email', message: '请输入有效的电子邮箱地址。' },
      { field: 'message', message: '至少需要 10 个字符。' },
    ]);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await t.request('/api/contact', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'name=a',
      ip: '192.0.2.4',
    });
    expect(response.status).toBe(415);
  });

  it('rate-limits per client IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await t.request('/api/contact', {
        json: { name: 'Flood', email: uniqueEmail('flood'), message: 'message number ' + i },
        ip: '192.0.2.99',
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });
});
