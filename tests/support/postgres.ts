import { createHash } from 'node:crypto';

/**
 * One template database per checkout, so test runs from two worktrees can
 * share one PostgreSQL cluster without dropping each other's template.
 */
export const TEMPLATE_DB_NAME = `imagegen_test_template_${createHash('sha1').update(process.cwd()).digest('hex').slice(0, 8)}`;

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
