/**
 * Fixed-window rate limits whose counters live in the database, so every
 * instance shares them (decision 004). One atomic upsert per hit: no
 * read-then-write race between concurrent requests.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { AppError } from '../errors';

export interface RateLimitRule {
  /** Namespace of the counter, e.g. "contact:ip". */
  name: string;
  max: number;
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  retryAfterSeconds: number;
}

export async function hitRateLimit(
  db: Db,
  rule: RateLimitRule,
  subject: string,
  now: Date,
): Promise<RateLimitResult> {
  const windowMs = rule.windowSeconds * 1000;
  const windowStart = Math.floor(now.getTime() / windowMs) * windowMs;
  const key = `${rule.name}:${subject}`;
  const [row] = await queryRows<{ count: number }>(
    db,
    sql`
    insert into rate_limit_hits (key, window_start, count) values (${key}, ${windowStart}, 1)
    on conflict (key) do update set
      count = case when rate_limit_hits.window_start = excluded.window_start
                   then rate_limit_hits.count + 1 else 1 end,
      window_start = excluded.window_start
    returning count`,
  );
  const count = Number(row?.count ?? 1);
  return {
    allowed: count <= rule.max,
    remaining: Math.max(0, rule.max - count),
    retryAfterSeconds: Math.ceil((windowStart + windowMs - now.getTime()) / 1000),
  };
}

/** Counts a hit and throws rate_limited (429 with Retry-After) past the limit. */
export async function enforceRateLimit(
  db: Db,
  rule: RateLimitRule,
  subject: string,
  now: Date,
): Promise<void> {
  const result = await hitRateLimit(db, rule, subject, now);
  if (!result.allowed) {
    throw new AppError('rate_limited', { retryAfterSeconds: result.retryAfterSeconds });
  }
}
