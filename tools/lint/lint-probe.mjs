// Lints source text as if it were the given file, with only the module-boundary rule of eslint.config.mjs on.
// Usage: node tools/lint/lint-probe.mjs <file relative to the repo> <source>; prints the rule's messages as JSON.
import { ESLint } from 'eslint';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const [file, source] = process.argv.slice(2);
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false, project: null } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
});
const [result] = await eslint.lintText(source, { filePath: join(root, file) });
process.stdout.write(
  JSON.stringify(result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message)),
);
