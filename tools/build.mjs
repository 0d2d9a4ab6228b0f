// Transpiles every app, lib and tool to dist/ with swc (decorator metadata on, path aliases rewritten to
// relative imports), mirroring the source tree. Type checking is `npm run typecheck`; this only emits.
import { transformFile } from '@swc/core';
import { readFileSync, readdirSync, mkdirSync, writeFileSync, statSync, renameSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
const { paths } = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const skip = /(\.spec|\.integration-spec|\.e2e-spec|\.d)\.ts$/;

function writeAtomic(file, content) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (name === 'node_modules' || name === 'lint-fixtures') continue;
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
