/**
 * Reads the SQLSTATE and constraint name of a database error, whichever
 * driver raised it: Drizzle wraps driver errors (node-postgres and PGlite
 * both report `code` and `constraint`) in its own error as `cause`.
 * Classify by these, never by message text.
 */
export interface PostgresErrorInfo {
  code: string;
  constraint: string | undefined;
}

export function postgresErrorOf(error: unknown): PostgresErrorInfo | undefined {
  let current: unknown = error;
  // Drizzle adds one level; the bound only guards against a cause cycle.
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return {
        code: candidate.code,
        constraint: typeof candidate.constraint === 'string' ? candidate.constraint : undefined,
      };
    }
    current = candidate.cause;
  }
  return undefined;
}

export const FOREIGN_KEY_VIOLATION = '23503';
export const UNIQUE_VIOLATION = '23505';
