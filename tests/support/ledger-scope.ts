/**
 * Which members a ledger check looks at (checker.ts, l1-sampler.ts): SQL
 * conditions on user and account ids, or everyone when no list is given.
 */
import { sql, type SQL } from 'drizzle-orm';

/** A SQL list of the scoped members' ids, or no scope. */
export interface Scope {
  users: (column: SQL) => SQL;
  accounts: (column: SQL) => SQL;
}

export function scopeOf(userIds: readonly string[] | undefined): Scope {
  if (userIds === undefined) return { users: () => sql`true`, accounts: () => sql`true` };
  if (userIds.length === 0) return { users: () => sql`false`, accounts: () => sql`false` };
  const list = sql.join(
    userIds.map((id) => sql`${id}`),
    sql`, `,
  );
  return {
    users: (column) => sql`${column} in (${list})`,
    accounts: (column) => sql`${column} in (select id from credit_accounts where user_id in (${list}))`,
  };
}
