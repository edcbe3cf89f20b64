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
            // generator, history and credits code (a shared chunk of their
            // own) is not loaded by visitors of the public pages, and the
            // form helpers and inputs only by the pages with a form.
            codeSplitting: {
              groups: [
                { name: 'framework', test: /node_modules/ },
                {
                  name: 'shell',
                  test: /src\/(web\/(components\/(?!generation\/|credits\/|forms\/|ui\/input)|lib\/)|shared\/|i18n\/)/,
                },
              ],
            },
          },
        },
      },
    },
  },
});
