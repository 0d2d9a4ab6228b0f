// The admin console's build (issue 9): a static single-page app served by directory-config under /console/.
// `node tools/build.mjs` builds it into dist/apps/admin-console; `npx vite apps/admin-console` serves it for
// development with /v1 proxied to ROSTER_API_URL (default http://127.0.0.1:3000, a running directory-config).
import react from '@vitejs/plugin-react';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  plugins: [react()],
  logLevel: 'warn',
  clearScreen: false,
  build: {
    outDir: join(here, '../../dist/apps/admin-console'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // No inline assets: the console is served with a strict Content-Security-Policy (default-src 'self').
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/v1': { target: process.env.ROSTER_API_URL ?? 'http://127.0.0.1:3000', changeOrigin: true } },
  },
});
