#!/usr/bin/env node
// Checks that the committed dist/ is what the sources build to (the server embeds dist/, so a
// change to src/ or operations/ without a rebuild would silently not ship). Builds into a
// temporary folder and compares. Run by `cargo test` (tests/api/playground.rs).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { build } from 'vite';

const here = fileURLToPath(new URL('..', import.meta.url));
const committed = join(here, 'dist');
const fresh = mkdtempSync(join(tmpdir(), 'playground-dist-'));

function files(base, dir = base) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(base, path));
    else out.push(relative(base, path));
  }
  return out.sort();
}

const problems = [];
try {
  await build({ root: here, logLevel: 'warn', build: { outDir: fresh, emptyOutDir: true } });
  const a = files(committed);
  const b = files(fresh);
  for (const f of b) {
    if (!a.includes(f)) {
      problems.push(`dist/${f} is missing`);
      continue;
    }
    const old = readFileSync(join(committed, f));
    const now = readFileSync(join(fresh, f));
    // gzip bytes may differ between zlib versions: compare what they hold.
    const same = f.endsWith('.gz') ? gunzipSync(old).equals(gunzipSync(now)) : old.equals(now);
    if (!same) problems.push(`dist/${f} differs from what the sources build to`);
  }
  for (const f of a) if (!b.includes(f)) problems.push(`dist/${f} is not built any more`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error('playground/dist/ is stale (the server embeds it):');
  for (const p of problems) console.error(`  - ${p}`);
  console.error('rebuild it with `npm ci && npm run build` in playground/ and commit playground/dist/');
  process.exit(1);
}
console.log('playground/dist/ is what the sources build to');
