/**
 * Builds the dashboard into dist/ui, which `aimdb serve` serves at `/`. `npm run build` runs this
 * after the library build, so an installed package carries the UI and needs nothing more.
 * In development (`npx vite --config src/ui/vite.config.ts`) API calls go to a running `aimdb serve`
 * (AIMDB_API_URL, default http://127.0.0.1:8765).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const uiRoot = path.dirname(fileURLToPath(import.meta.url));
const apiTarget = process.env.AIMDB_API_URL ?? 'http://127.0.0.1:8765';

export default defineConfig({
  root: uiRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.resolve(uiRoot, '../../dist/ui'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: { '/api': apiTarget, '/healthz': apiTarget, '/readyz': apiTarget },
  },
  logLevel: 'warn',
});
