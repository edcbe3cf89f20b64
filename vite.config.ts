import { reactRouter } from '@react-router/dev/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [tailwindcss(), reactRouter()],
  environments: {
    client: {
      build: {
        rolldownOptions: {
          output: {
            // Two shared chunks instead of a dozen small ones: one for the
            // libraries (React, React Router), one for the site's shell code.
            // Fewer files compress better together (one gzip dictionary) and
            // need fewer requests; route modules stay split per page. The
            // member pages' feature folders stay out of the shell: the
            // generator, history, credits, billing, compare and admin code (shared
            // chunks of their own) is not loaded by visitors of the public
            // pages, and the form helpers and inputs only by the pages with a
            // form. A folder missing here lands in every visitor's download
            // (admin and compare once added 16 KB gzipped to the landing page).
            codeSplitting: {
              groups: [
                { name: 'framework', test: /node_modules/ },
                {
                  name: 'shell',
                  test: /src\/(web\/(components\/(?!generation\/|credits\/|billing\/|forms\/|admin\/|compare\/|ui\/input|ui\/load-states)|lib\/)|shared\/|i18n\/)/,
                },
              ],
            },
          },
        },
      },
    },
  },
});
