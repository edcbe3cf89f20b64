/** Bundles the production server entry (src/server/main.ts) to build/app/main.js. */
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    ssr: 'src/server/main.ts',
    outDir: 'build/app',
    emptyOutDir: true,
    target: 'node22',
    sourcemap: true,
    minify: false,
    rollupOptions: { output: { entryFileNames: 'main.js', format: 'esm' } },
  },
  publicDir: false,
  logLevel: 'warn',
});
