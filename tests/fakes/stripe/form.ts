/**
 * Stripe's wire format for the Stripe fake: request bodies and query strings
 * are form-encoded with bracket notation (`line_items[0][price]=…`,
 * `metadata[key]=…`, `types[]=…`), and every error answers
 * `{error:{type,code?,message,param?}}`. Kept apart from the fake's routes so
 * the parsing rules can be read (and trusted) on their own.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from '../fake-server';

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Splits `a[b][0][]` into `['a', 'b', '0', '']`. */
function pathOf(key: string): string[] {
  const open = key.indexOf('[');
  if (open < 0) return [key];
  const parts = [key.slice(0, open)];
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) parts.push(match[1] ?? '');
  return parts;
}

/** Decodes Stripe-style bracket notation into nested objects; numeric or empty brackets make arrays. */
export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = pathOf(key);
    let node: FormObject | FormValue[] = root;
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(path[i + 1]!);
      if (Array.isArray(node)) {
        const index = part === '' ? node.length : Number(part);
        if (last) node[index] = value;
        else node = (node[index] ??= nextIsIndex ? [] : {}) as FormObject | FormValue[];
      } else if (last) {
        node[part] = value;
      } else {
        node = (node[part] ??= nextIsIndex ? [] : {}) as FormObject | FormValue[];
      }
    }
  }
  return root;
}

/** A param as a string, when it is one. */
export function str(value: FormValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A param as a flat string map (metadata), or `{}`. */
export function strings(value: FormValue | undefined): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** A param as an array of objects (line_items, items), or `[]`. */
export function objects(value: FormValue | undefined): FormObject[] {
  const list = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : [];
  return list.filter((v): v is FormObject => typeof v === 'object' && v !== null && !Array.isArray(v));
}

export interface StripeErrorBody {
  status: number;
  type:
    | 'invalid_request_error'
    | 'api_error'
    | 'card_error'
    | 'idempotency_error'
    | 'rate_limit_error'
    | 'authentication_error';
  code?: string;
  message: string;
  param?: string;
}

/** Thrown by route code; the router answers it in Stripe's error shape. */
export class StripeFakeError extends Error {
  constructor(readonly body: StripeErrorBody) {
    super(body.message);
  }
}

export function sendStripeError(
  res: ServerResponse,
  error: StripeErrorBody,
  headers: Record<string, string> = {},
): void {
  const { status, ...rest } = error;
  sendJson(
    res,
    status,
    { error: { ...rest, request_log_url: null } },
    { 'request-id': 'req_fake', ...headers },
  );
}

export const missing = (param: string): StripeFakeError =>
  new StripeFakeError({
    status: 400,
    type: 'invalid_request_error',
    code: 'parameter_missing',
    param,
    message: `Missing required param: ${param}.`,
  });

export const noSuch = (kind: string, id: string, param = 'id'): StripeFakeError =>
  new StripeFakeError({
    status: 404,
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${kind}: '${id}'`,
  });

export const invalid = (param: string, message: string): StripeFakeError =>
  new StripeFakeError({
    status: 400,
    type: 'invalid_request_error',
    code: 'parameter_invalid',
    param,
    message,
  });

/** A canonical text of params, so equal params compare equal whatever their order on the wire. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
