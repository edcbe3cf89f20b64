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
} satisfies Config;
