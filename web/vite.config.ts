import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The UI is served by the Tether server itself (src/http/ui.ts) from web/dist.
// `npm run dev:ui` proxies the API to a server started with `npm start` on port 3000.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or styles: the UI's CSP allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': 'http://localhost:3000', '/oauth': 'http://localhost:3000' },
  },
});
