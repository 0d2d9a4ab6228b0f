import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../..');

/**
 * The module-boundary rules only protect anything if they fire. Each probe is linted as if it were a file of
 * the named project (the text never touches the disk), with only the boundary rule on.
 */
describe('Nx module boundaries (eslint @nx/enforce-module-boundaries)', () => {
  beforeAll(() => {
    // The rule reads Nx's cached project graph; computing it once is what `nx lint` does first.
    execFileSync(process.execPath, [require.resolve('nx/bin/nx'), 'show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false' },
      stdio: 'ignore',
    });
  }, 60_000);

  // ESLint loads its flat config with a dynamic import, which jest's VM refuses: lint in a child process.
  const boundaryErrors = async (file: string, source: string): Promise<string[]> =>
    JSON.parse(execFileSync(process.execPath, [join(root, 'tools/lint/lint-probe.mjs'), file, source], { cwd: root }).toString());

  it('refuses an import from one app into another', async () => {
    const errors = await boundaryErrors(
      'apps/reconciler/src/probe.ts',
      "import { SyncSftpUseCase } from '../../file-ingest/src/sync/sync-sftp.usecase';\nexport const x = SyncSftpUseCase;\n",
    );
    expect(errors.join('\n')).toMatch(/relative|project|boundar/i);
  });

  it('refuses the pure planner (type:domain) importing data access', async () => {
    const errors = await boundaryErrors(
      'libs/reconciliation/src/probe.ts',
      "import { qualified } from '@roster/persistence';\nexport const x = qualified;\n",
    );
    expect(errors.join('\n')).toMatch(/type:domain.*can only depend on libs tagged with.*type:util/s);
  });

  it('refuses a util library importing data access (security -> messaging)', async () => {
    const errors = await boundaryErrors(
      'libs/security/src/probe.ts',
      "import { EventPublisher } from '@roster/messaging';\nexport const x = EventPublisher;\n",
    );
    expect(errors.join('\n')).toMatch(/type:util.*can only depend on libs tagged with.*type:util/s);
  });

  it('refuses the operator CLI importing a service (it talks to the admin API over HTTP)', async () => {
    const errors = await boundaryErrors(
      'apps/cli/src/probe.ts',
      "import { RunView } from '../../directory-config/src/http/schemas';\nexport const x = RunView;\n",
    );
    expect(errors.join('\n')).toMatch(/relative|project|boundar/i);
  });

  it('refuses the admin console importing a service (a browser app over the admin API)', async () => {
    const errors = await boundaryErrors(
      'apps/admin-console/src/probe.ts',
      "import { RunView } from '../../directory-config/src/http/schemas';\nexport const x = RunView;\n",
    );
    expect(errors.join('\n')).toMatch(/relative|project|boundar/i);
  });

  it('allows what the architecture allows: the planner using contracts, an app using the platform', async () => {
    expect(
      await boundaryErrors('libs/reconciliation/src/probe.ts', "import { Events } from '@roster/contracts';\nexport const x = Events;\n"),
    ).toEqual([]);
    expect(
      await boundaryErrors('apps/reconciler/src/probe.ts', "import { runService } from '@roster/platform';\nexport const x = runService;\n"),
    ).toEqual([]);
  });
});
