/**
 * Reading provider options from environment-style strings. config.ts stays
 * the only reader of process.env: it hands the strings to these parsers
 * (or merges their zod shapes into its own schema) and reports every problem
 * at boot, naming each variable.
 */
import { z } from 'zod';

/** Empty strings count as unset, as everywhere in config.ts. */
export const emptyToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

export const intVar = (fallback: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));

export class ProviderOptionsError extends Error {
  override name = 'ProviderOptionsError';
  /** One line per problem: `VARIABLE: what is wrong`. */
  readonly issues: string[];

  constructor(issues: string[]) {
    super(`Invalid provider configuration:\n${issues.map((line) => `  ${line}`).join('\n')}`);
    this.issues = issues;
  }
}

/** Parses `source` with `schema`, or throws ProviderOptionsError naming every bad variable. */
export function parseEnv<Schema extends z.ZodType>(
  schema: Schema,
  source: Readonly<Record<string, string | undefined>>,
): z.output<Schema> {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  throw new ProviderOptionsError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
}

/**
 * A provider's settings from the environment: `PROVIDER_<ID>_API_KEY`,
 * `_BASE_URL`, and for webhooks `_WEBHOOK_SECRET` (Replicate's signing
 * secret; fetched with the key when unset) and `_JWKS_URL` (where fal's
 * webhook signing keys are published; fal's own address when unset).
 */
export interface ProviderEnvSettings {
  apiKey?: string;
  baseUrl?: string;
  webhookSecret?: string;
  jwksUrl?: string;
}

const PROVIDER_VAR = /^PROVIDER_([A-Z][A-Z0-9_]*?)_(API_KEY|BASE_URL|WEBHOOK_SECRET|JWKS_URL)$/;

/**
 * Collects every `PROVIDER_<ID>_API_KEY` / `PROVIDER_<ID>_BASE_URL` pair by
 * provider id (lower-cased: `PROVIDER_OPENAI_COMPATIBLE_BASE_URL` belongs to
 * `openai_compatible`). One naming rule for every provider, including ones
 * an admin adds, so `npm run dev:fakes` can print settings for all of them.
 * Keys entered in the admin pages take precedence (decision 016).
 */
export function providerSettingsFromEnv(
  source: Readonly<Record<string, string | undefined>>,
): Record<string, ProviderEnvSettings> {
  const settings: Record<string, ProviderEnvSettings> = {};
  const issues: string[] = [];
  for (const [name, raw] of Object.entries(source)) {
    const match = PROVIDER_VAR.exec(name);
    const value = raw?.trim();
    if (!match || !value) continue;
    const id = match[1]!.toLowerCase();
    const entry = (settings[id] ??= {});
    if (match[2] === 'API_KEY' || match[2] === 'WEBHOOK_SECRET') {
      entry[match[2] === 'API_KEY' ? 'apiKey' : 'webhookSecret'] = value;
      continue;
    }
    if (!/^https?:\/\/[^\s/]+/.test(value) || !URL.canParse(value)) {
      issues.push(`${name}: must be an http(s) URL`);
      continue;
    }
    entry[match[2] === 'BASE_URL' ? 'baseUrl' : 'jwksUrl'] = value.replace(/\/+$/, '');
  }
  if (issues.length > 0) throw new ProviderOptionsError(issues);
  return settings;
}
