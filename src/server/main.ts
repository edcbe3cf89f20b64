/** Production entry: `npm start` runs the bundle of this file (build/app/main.js). */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerBuild } from 'react-router';

// React and other libraries pick their production code by NODE_ENV when first
// loaded, so it is settled before anything else is imported (dynamically, below).
process.env.NODE_ENV ||= 'production';

// build/app/main.js -> build/server/index.js and build/client/
const buildDir = path.resolve(import.meta.dirname, '..');
const serverBuildFile = path.join(buildDir, 'server', 'index.js');

const { ConfigError } = await import('./config');
const { startServer } = await import('./start');
const { RenderPool } = await import('./pages/render-pool');
const { getPageSession } = await import('./pages/page-session');
try {
  const build = (await import(pathToFileURL(serverBuildFile).href)) as ServerBuild;
  await startServer({
    pages: (config, deps) => ({
      build,
      mode: 'production',
      clientDir: path.join(buildDir, 'client'),
      renderPool:
        config.renderThreads > 0
          ? new RenderPool({
              size: config.renderThreads,
              workerFile: path.join(import.meta.dirname, 'render-worker.js'),
              serverBuildFile,
              getSession: (headers) => getPageSession(deps, headers),
              logger: deps.logger,
            })
          : undefined,
    }),
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    console.error(`Cannot listen: ${(error as Error).message}. Set PORT to a free port.`);
    process.exit(1);
  }
  throw error;
}
