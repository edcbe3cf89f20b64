import type { Config } from '@react-router/dev/config';
import { prerenderPaths } from './src/web/prerender-paths';

export default {
  appDirectory: 'src/web',
  buildDirectory: 'build',
  ssr: true,
  // Marketing and legal pages are the same for every visitor of a language, so
  // they are rendered once at build time and served from memory (see
  // src/server/pages/prerendered.ts). Everything else renders per request.
  prerender: prerenderPaths,
  // The route table is small (a few hundred bytes), so each page carries all
  // of it instead of computing a partial manifest per request and fetching
  // the rest on navigation.
  routeDiscovery: { mode: 'initial' },
} satisfies Config;
