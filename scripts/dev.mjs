#!/usr/bin/env node
// Development server: Vite in middleware mode (HMR for pages and CSS) in
// front of the same Hono app that production runs. Server modules are loaded
// through Vite's SSR runner; route modules reload on every request.
import { createServer } from 'vite';

const vite = await createServer({ server: { middlewareMode: true }, appType: 'custom' });
const ssr = vite.environments.ssr;
const { startServer } = await ssr.runner.import('/src/server/start.ts');

const running = await startServer({
  env: { NODE_ENV: 'development', ...process.env },
  handleSignals: false,
  pages: () => ({
    build: () => ssr.runner.import('virtual:react-router/server-build'),
    mode: 'development',
  }),
  wrapListener: (listener) => (req, res) => vite.middlewares(req, res, () => listener(req, res)),
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await running.stop();
    await vite.close();
    process.exit(0);
  });
}
