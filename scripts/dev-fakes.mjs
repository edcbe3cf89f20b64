#!/usr/bin/env node
/**
 * `npm run dev:fakes`: starts every provider fake of tests/fakes/all.ts and
 * the Stripe fake on 127.0.0.1, prints the `PROVIDER_<ID>_*` and `STRIPE_*`
 * settings that point the platform at them (as `export` lines to paste) and writes them to `.env.fakes`, then
 * keeps running, logging each request the fakes receive, until Ctrl-C or
 * SIGTERM closes the fakes. Run the platform against them with
 * `set -a; . ./.env.fakes; set +a; npm start` in another shell.
 *
 * The fakes are TypeScript with extensionless imports, so they are loaded
 * through Vite's module runner (`runnerImport`, no vite.config: just the
 * TypeScript transform and Vite's resolver, packages left to Node).
 *
 * Options: --port-base N (fixed ports N, N+1, … in the order of
 * providerFakes, then Stripe, so the settings survive a restart),
 * --app-url URL (where the platform listens, for Stripe's webhooks; default
 * http://localhost:3000), --out PATH
 * (default .env.fakes in the project root; --out '' writes none),
 * --quiet (no request log).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runnerImport } from 'vite';

const root = path.resolve(import.meta.dirname, '..');
/** How often the request log is printed (and the fakes' own request lists emptied, so memory stays flat). */
const LOG_INTERVAL_MS = 500;

const usage = `Usage: npm run dev:fakes [-- --port-base N] [--app-url URL] [--out PATH] [--quiet]`;
let args;
try {
  args = parseArgs({
    options: {
      'port-base': { type: 'string' },
      'app-url': { type: 'string', default: 'http://localhost:3000' },
      out: { type: 'string', default: '.env.fakes' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}
let portBase;
if (args['port-base'] !== undefined) {
  portBase = Number(args['port-base']);
  // Leave room above for every fake: 65,535 minus a generous 100.
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65_435) {
    console.error(`--port-base must be a whole number from 1024 to 65435\n${usage}`);
    process.exit(2);
  }
}

/** Single-quotes a value for a POSIX shell unless it is plainly safe. */
const shellValue = (value) =>
  /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;

const { module: all } = await runnerImport(path.join(root, 'tests', 'fakes', 'all.ts'), {
  root,
  logLevel: 'error',
});
let appUrl;
try {
  appUrl = new URL(args['app-url']);
} catch {
  console.error(`--app-url must be a URL such as http://localhost:3000\n${usage}`);
  process.exit(2);
}
const webhookUrl = new URL('/api/webhooks/stripe', appUrl).href;
const running = await all.startAllFakes({
  ...(portBase === undefined ? {} : { portBase }),
  stripe: { webhookUrl },
});
const lines = Object.entries(running.env).map(([name, value]) => `${name}=${shellValue(value)}`);

console.log('Provider fakes are listening on 127.0.0.1:');
for (const [id, fake] of Object.entries(running.fakes)) console.log(`  ${id.padEnd(18)} ${fake.baseUrl}`);
if (running.stripe) {
  console.log(`  ${'stripe'.padEnd(18)} ${running.stripe.origin} (webhooks to ${webhookUrl})`);
}
console.log('\nPoint the platform at them (paste into the shell that runs it):\n');
for (const line of lines) console.log(`export ${line}`);
const envFile = args.out ? path.resolve(root, args.out) : undefined;
if (envFile) {
  const inRoot = path.relative(root, envFile);
  const shown = inRoot.startsWith('..') || path.isAbsolute(inRoot) ? envFile : `./${inRoot}`;
  const use = `set -a; . ${shellValue(shown)}; set +a; npm start`;
  const header = [
    '# Written by `npm run dev:fakes`: provider and Stripe settings pointing at the local fakes.',
    `# Valid while that command runs${portBase === undefined ? ' (ports change on every start)' : ''}.`,
    `# Use, from the project folder: ${use}`,
  ];
  writeFileSync(envFile, `${[...header, ...lines].join('\n')}\n`, { mode: 0o600 });
  console.log(`\nWritten to ${shown}; run the platform from the project folder with:\n  ${use}`);
}
console.log('\nPress Ctrl-C to stop the fakes.\n');

const logRequests = () => {
  const all = { ...running.fakes, ...(running.stripe ? { stripe: running.stripe } : {}) };
  for (const [id, fake] of Object.entries(all)) {
    if (!args.quiet)
      for (const request of fake.requests) console.log(`[${id}] ${request.method} ${request.path}`);
    fake.requests.length = 0;
  }
};
const timer = setInterval(logRequests, LOG_INTERVAL_MS);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    logRequests();
    running.close().then(
      () => {
        console.log('Provider fakes stopped.');
        process.exit(0);
      },
      (error) => {
        console.error('Closing the fakes failed:', error);
        process.exit(1);
      },
    );
  });
}
