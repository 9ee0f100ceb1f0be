/**
 * The owner's web app, built into web/dist/ and served by the pod on its web port (src/pod/web-app.ts).
 * Run from the repository root as `vite build web` (npm run build:web): this folder is the root.
 *
 * Preact through esbuild's automatic JSX runtime: no Babel, so the build stays fast. Everything is
 * bundled (no CDN), so the pod can serve the app under a Content-Security-Policy of 'self' only.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the pod rewrites index.html's to its base (web-app.ts), chunks find each other.
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // GraphiQL (with React) and cytoscape are loaded only on their own pages.
    chunkSizeWarningLimit: 1500,
    // No inline data: URLs for scripts; small images and fonts may be inlined (CSP allows data: there).
    assetsInlineLimit: 4096,
    sourcemap: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // React libraries mark modules "use client" for server components; meaningless in a bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: { strictPort: false },
});
