// Bundles and minifies the front-end for the binary: called by cargo's build.rs as
// `node build.mjs OUT_DIR`. Each entry becomes OUT_DIR/NAME.js (or .css), with a brotli and a
// gzip copy beside it so the server sends compressed bytes without compressing at run time.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const here = new URL('.', import.meta.url).pathname;
await build({
  // Every web/src/*.ts is a page script; modules they share live in web/src/lib/.
  entryPoints: [
    ...readdirSync(join(here, 'src')).filter(n => n.endsWith('.ts')).map(n => join(here, 'src', n)),
    join(here, 'src/css/kinora.css'),
  ],
  outdir: out,
  entryNames: '[name]',
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome90', 'firefox90', 'safari14'],
  legalComments: 'none',
  logLevel: 'warning',
});

for (const name of readdirSync(out)) {
  const path = join(out, name);
  const data = readFileSync(path);
  writeFileSync(path + '.br', brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  }));
  writeFileSync(path + '.gz', gzipSync(data, { level: 9 }));
}
