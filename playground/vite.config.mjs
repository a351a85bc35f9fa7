// Builds the playground into dist/ with fixed file names (no content hashes), one JS file and
// one CSS file, so that the server embeds them (include_bytes!) and `cargo run` needs no Node.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';
import { pageManifest } from './lib/operations.mjs';

const operationsDir = fileURLToPath(new URL('./operations', import.meta.url));

/** `virtual:operations`: the example operations, read from operations/ at build time. */
function operationsPlugin() {
  const id = 'virtual:operations';
  const resolved = '\0' + id;
  return {
    name: 'playground-operations',
    resolveId: (source) => (source === id ? resolved : null),
    load(source) {
      if (source !== resolved) return null;
      this.addWatchFile(operationsDir);
      return `export default ${JSON.stringify(pageManifest(operationsDir))};`;
    },
  };
}

/**
 * The server embeds exactly these files (and a gzip copy of the assets): fail the build if
 * anything else comes out. Then, since the names carry no hash, index.html asks for each asset
 * with `?v=<digest of its content>`, so browsers may cache assets for long and still get new
 * ones after an upgrade; and the assets get a `.gz` twin the server sends to browsers that
 * accept gzip.
 */
const EXPECTED = ['index.html', 'assets/playground.js', 'assets/playground.css'];
const ASSETS = ['assets/playground.js', 'assets/playground.css'];
function finishDist() {
  return {
    name: 'playground-finish-dist',
    apply: 'build',
    enforce: 'post',
    writeBundle(options, bundle) {
      const names = Object.keys(bundle).sort();
      const unexpected = names.filter((n) => !EXPECTED.includes(n));
      const missing = EXPECTED.filter((n) => !names.includes(n));
      if (unexpected.length || missing.length) {
        this.error(
          `the server embeds exactly ${EXPECTED.join(', ')} (src/http/playground.rs); ` +
            `unexpected: [${unexpected.join(', ')}], missing: [${missing.join(', ')}]`,
        );
      }
      const dir = options.dir;
      let html = readFileSync(join(dir, 'index.html'), 'utf8');
      for (const asset of ASSETS) {
        const bytes = readFileSync(join(dir, asset));
        const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
        const url = `/playground/${asset}`;
        if (!html.includes(`"${url}"`)) this.error(`index.html does not reference ${url}`);
        html = html.replace(`"${url}"`, `"${url}?v=${digest}"`);
        writeFileSync(join(dir, `${asset}.gz`), gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }));
      }
      writeFileSync(join(dir, 'index.html'), html);
    },
  };
}

// `npm run dev`: the page at http://localhost:5173/playground/ with hot reload, talking to the
// server of `cargo run -- serve --demo` (or API_URL) through this proxy.
const api = process.env.API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/playground/',
  server: {
    proxy: {
      '/graphql/ws': { target: api.replace(/^http/, 'ws'), ws: true },
      '/graphql': { target: api },
      '/documents': { target: api },
    },
  },
  plugins: [operationsPlugin(), finishDist()],
  esbuild: { jsx: 'automatic', legalComments: 'none' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    cssCodeSplit: false,
    // Everything (images, fonts) inline: the server serves three files.
    assetsInlineLimit: () => true,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2048,
    rollupOptions: {
      onwarn(warning, warn) {
        // React libraries' "use client" directives mean nothing in a client-only bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      output: {
        entryFileNames: 'assets/playground.js',
        chunkFileNames: 'assets/playground-[name].js',
        assetFileNames: (info) =>
          (info.names ?? [info.name]).some((n) => n && n.endsWith('.css'))
            ? 'assets/playground.css'
            : 'assets/[name][extname]',
        inlineDynamicImports: true,
      },
    },
  },
});
