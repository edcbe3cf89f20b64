/** Bundles the production server entry and the page-rendering worker to build/app/{main,render-worker,worker,admin}.js. */
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    ssr: true,
    outDir: 'build/app',
    emptyOutDir: true,
    target: 'node22',
    sourcemap: true,
    minify: false,
    rollupOptions: {
      input: {
        main: 'src/server/main.ts',
        'render-worker': 'src/server/pages/render-worker.ts',
        worker: 'src/server/worker-main.ts',
        admin: 'src/server/admin-cli.ts',
      },
      output: { entryFileNames: '[name].js', format: 'esm' },
    },
  },
  publicDir: false,
  logLevel: 'warn',
});
