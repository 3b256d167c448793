/** The dashboard build: web/ in, dist/web/ out; `volley serve` serves dist/web/ at `/`. */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs: the page works wherever the server mounts it.
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The CSP allows no inline scripts and no data: fonts/scripts: keep every asset a file.
    assetsInlineLimit: 0,
    // No source maps in the package: they would triple its size for a dashboard nobody debugs in place.
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev:web` next to `volley serve --port 8080`: the API and the live socket go to it.
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
});
