/**
 * The Stripe fake's hosted pages: a checkout page at `session.url` with a Pay
 * form (a plain POST, so a browser test or fetch can complete it) and a
 * Cancel link, and a billing portal page with a Return link. Paying completes
 * the session through the store and redirects to `success_url` with
 * `{CHECKOUT_SESSION_ID}` filled in, as Stripe does.
 */
import type { ServerResponse } from 'node:http';
import type { FakeRequest } from '../fake-server';
import { sessionLineItems } from './routes';
import type { StripeStore } from './store';

/** A field of a stored object as text ('' when it is not a string). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Answers a hosted page and returns true, or returns false for API paths. */
export function serveHostedPage(store: StripeStore, request: FakeRequest, res: ServerResponse): boolean {
  const page = (res: ServerResponse, status: number, title: string, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
    );
  };
  const pay = /^\/c\/pay\/([^/]+)$/.exec(request.path);
  if (pay) {
    const session = store.sessions.get(pay[1]!);
    if (!session) {
      page(
        res,
        404,
        'Not found',
        '<h1>Something went wrong</h1><p>The page you were looking for could not be found.</p>',
      );
    } else if (session.status !== 'open') {
      page(res, 410, 'Expired', '<h1>This Checkout Session is no longer active</h1>');
    } else if (request.method === 'POST') {
      store.complete(session.id);
      const target = String(session.success_url).replaceAll('{CHECKOUT_SESSION_ID}', session.id);
      res.writeHead(303, { location: target }).end();
    } else {
      const lines = sessionLineItems(session)
        .map((l) => `<li>${escapeHtml(text(l.description) || l.price.id)} × ${l.quantity}</li>`)
        .join('');
      const amount = (Number(session.amount_total) / 100).toFixed(2);
      const cancel = session.cancel_url
        ? `<a id="cancel" href="${escapeHtml(text(session.cancel_url).replaceAll('{CHECKOUT_SESSION_ID}', session.id))}">Cancel</a>`
        : '';
      page(
        res,
        200,
        'Checkout',
        `<h1>Fake Stripe Checkout</h1><ul>${lines}</ul><p id="total">${amount} ${escapeHtml(String(session.currency).toUpperCase())}</p>` +
          `<form method="post" action="/c/pay/${session.id}"><button type="submit" id="pay">Pay</button></form>${cancel}`,
      );
    }
    return true;
  }
  const portal = /^\/p\/session\/([^/]+)$/.exec(request.path);
  if (portal) {
    const session = store.portalSessions.get(portal[1]!);
    if (!session) page(res, 404, 'Not found', '<h1>Not found</h1>');
    else {
      const back = session.return_url
        ? `<a id="return" href="${escapeHtml(text(session.return_url))}">Return</a>`
        : '';
      page(
        res,
        200,
        'Billing portal',
        `<h1>Fake Stripe billing portal</h1><p>${escapeHtml(String(session.customer))}</p>${back}`,
      );
    }
    return true;
  }
  return false;
}
