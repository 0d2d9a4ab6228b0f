import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..');

describe('migrations', () => {
  it('every service\'s committed migrations create exactly what its entities describe (no drift)', async () => {
    if (!existsSync(join(root, 'dist/apps/reconciler/src/database.js'))) throw new Error('run npm run build first');
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'tools/migrations.mjs'), 'check', '--no-build'], { cwd: root });
    for (const service of ['directory-config', 'file-ingest', 'reconciler', 'notifier', 'connector-gateway']) {
      expect(stdout).toContain(`${service}: migrations match entities`);
    }
  }, 90_000);
});
