/**
 * `npm run admin -- <command>`: account administration from the server's
 * shell (admin/admin-commands.ts). Uses the same configuration as
 * `npm start`. On the embedded database it needs the server stopped (the
 * data folder's lock says so); on PostgreSQL it runs beside it.
 */
/* eslint-disable no-console -- a command-line tool: its output is for the operator at the terminal */
import { userInfo } from 'node:os';
import path from 'node:path';
import { AdminCommandError, createAdmin, listAdmins, removeAdmin } from './admin/admin-commands';
import { createAuth } from './auth/auth';
import { ConfigError, loadConfig } from './config';
import { DataDirLockedError } from './db/data-dir-lock';
import { openDatabase } from './db/client';
import { runReconciler } from './billing/reconcile-command';
import { createLogger } from './log';

const USAGE = `Usage: npm run admin -- <command>
  create-admin EMAIL   make EMAIL an admin (creates the account, with a printed password, if needed)
  remove-admin EMAIL   take the admin role away
  list-admins          list admin accounts
  reconcile-stripe [DAYS]
                       find and apply what Stripe's webhooks missed over the last DAYS (default
                       STRIPE_RECONCILE_LOOKBACK_DAYS, at most 30)`;

process.env.NODE_ENV ||= 'production';

async function main(args: string[]): Promise<number> {
  const [command, email] = args;
  if (!command || (command !== 'list-admins' && command !== 'reconcile-stripe' && !email)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger({ level: 'warn' });
  const database = config.databaseUrl
    ? await openDatabase({ driver: 'postgres', url: config.databaseUrl, logger })
    : await openDatabase({ driver: 'pglite', dataDir: path.join(config.dataDir, 'db'), logger });
  try {
    await database.migrate();
    const deps = {
      db: database.db,
      auth: createAuth({ config, db: database.db, logger }),
      now: () => new Date(),
      operator: userInfo().username,
    };
    switch (command) {
      case 'create-admin': {
        const result = await createAdmin(deps, email!);
        if (result.outcome === 'created') {
          console.log(
            `Created the admin account ${result.email} with the password:\n\n  ${result.password}\n`,
          );
          console.log('Sign in and change it. It is not shown again.');
        } else {
          console.log(
            result.outcome === 'promoted'
              ? `${result.email} is now an admin.`
              : `${result.email} already is an admin.`,
          );
        }
        return 0;
      }
      case 'remove-admin':
        console.log(
          (await removeAdmin(deps, email!)) === 'removed'
            ? `${email} is no longer an admin.`
            : `${email} was not an admin.`,
        );
        return 0;
      case 'list-admins':
        console.log((await listAdmins(database.db)).join('\n') || '(no admins)');
        return 0;
      case 'reconcile-stripe': {
        const days = email === undefined ? undefined : Number(email);
        if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 30)) {
          console.error('DAYS must be a whole number from 1 to 30');
          return 2;
        }
        const result = await runReconciler({ config, database, logger, days });
        console.log(JSON.stringify(result, null, 2));
        return 0;
      }
      default:
        console.error(USAGE);
        return 2;
    }
  } finally {
    await database.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (
    error instanceof ConfigError ||
    error instanceof DataDirLockedError ||
    error instanceof AdminCommandError
  ) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
