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
