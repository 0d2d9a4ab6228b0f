// Transpiles every app, lib and tool to dist/ with swc (decorator metadata on, path aliases rewritten to
// relative imports), mirroring the source tree, then builds the admin console (a browser app) with Vite into
// dist/apps/admin-console, which directory-config serves at /console/. Type checking is `npm run typecheck`;
// this only emits.
import { transformFile } from '@swc/core';
import { existsSync, readFileSync, readdirSync, mkdirSync, writeFileSync, statSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const skip = /(\.spec|\.integration-spec|\.e2e-spec|\.d)\.ts$/;
// Browser code: bundled by Vite below, not transpiled for Node.
const CONSOLE = join(root, 'apps', 'admin-console');

function writeAtomic(file, content) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (name === 'node_modules' || name === 'lint-fixtures' || full === CONSOLE) continue;
    if (statSync(full).isDirectory()) yield* sources(full);
    else if (name.endsWith('.ts') && !skip.test(name)) yield full;
  }
}

const files = ['apps', 'libs', 'tools'].flatMap((d) => [...sources(join(root, d))]);
await Promise.all(
  files.map(async (file) => {
    const { code, map } = await transformFile(file, {
      ...swcrc,
      swcrc: false,
      jsc: { ...swcrc.jsc, baseUrl: root, paths },
      sourceFileName: relative(out, file),
    });
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    // Written beside and renamed into place: a service starting during a rebuild never reads half a file.
    // dist/ is not wiped first for the same reason; a removed source leaves a stale, unreferenced .js behind.
    if (map) writeAtomic(`${target}.map`, map);
    writeAtomic(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
  }),
);
console.log(`built ${files.length} files into dist/`);

// The console is built beside its place and swapped in, so directory-config never serves half a build (other
// processes may serve dist/ while it is rebuilt).
const consoleOut = join(out, 'apps', 'admin-console');
const consoleTmp = `${consoleOut}.${process.pid}.tmp`;
const { build } = await import('vite');
await build({ configFile: join(CONSOLE, 'vite.config.mjs'), build: { outDir: consoleTmp, emptyOutDir: true } });
// Another build swapping at the same moment can put its copy back in between: move it aside and try again.
for (let attempt = 0; ; attempt++) {
  const consoleOld = `${consoleOut}.${process.pid}.${attempt}.old`;
  try {
    if (existsSync(consoleOut)) renameSync(consoleOut, consoleOld);
    renameSync(consoleTmp, consoleOut);
    rmSync(consoleOld, { recursive: true, force: true });
    break;
  } catch (e) {
    rmSync(consoleOld, { recursive: true, force: true });
    if (attempt >= 5) throw e;
  }
}
console.log('built the admin console into dist/apps/admin-console/');
