import { Command } from 'commander';
import type { CommandContext } from '../context';
import { uuidArg } from '../context';
import { ExitCode } from '../exit-codes';

interface KeyRotation {
  masterKeyId: string;
  previousMasterKeyIds: string[];
  tenants: number;
  dataKeys: { created: number; rewrapped: number; rotated: number; unchanged: number };
  secrets: { resealed: number; unchanged: number };
  failed: { tenantId: string; code: string; message: string }[];
  remaining: { dataKeys: number; secrets: number };
}

const rotationText = (r: KeyRotation) =>
  [
    `master key ${r.masterKeyId} (previous: ${r.previousMasterKeyIds.join(', ') || 'none'})`,
    `tenants: ${r.tenants}`,
    `data keys: ${r.dataKeys.created} created, ${r.dataKeys.rewrapped} re-wrapped, ${r.dataKeys.rotated} rotated, ${r.dataKeys.unchanged} unchanged`,
    `secrets: ${r.secrets.resealed} re-sealed, ${r.secrets.unchanged} unchanged`,
    ...r.failed.map((f) => `FAILED tenant ${f.tenantId}: ${f.code}: ${f.message}`),
    r.remaining.dataKeys + r.remaining.secrets === 0
      ? 'nothing depends on another master key: the previous keys can be removed from ROSTER_SECRETS_PREVIOUS_KEYS'
      : `still under another master key: ${r.remaining.dataKeys} data key(s), ${r.remaining.secrets} secret(s); keep the previous keys`,
  ].join('\n');

/**
 * `roster keys rotate` (R-SEC-01): re-wraps every tenant's data key under the current master key and re-seals the
 * stored secrets (operator-wide; the global --tenant is not used, so a rotation never covers one tenant by accident).
 * Exits 1 when a tenant could not be rotated.
 */
export function keysCommand(ctx: CommandContext): Command {
  const cmd = new Command('keys').description('the master key and tenant data keys that seal directory secrets (R-SEC-01)');
  cmd
    .command('rotate')
    .description(
      "re-wrap every tenant's data key under the current master key (ROSTER_SECRETS_KEY of directory-config) and re-seal the stored secrets; idempotent",
    )
    .option('--data-keys', "also replace each tenant's data key with a new one (re-sealing its secrets)")
    .option('--only <tenantId...>', 'only these tenants (default: every tenant)')
    .action(async (o: { dataKeys?: boolean; only?: string[] }, c: Command) => {
      const tenantIds = o.only?.map((id) => uuidArg('--only', id));
      const r = await ctx.api(c).post<KeyRotation>('/v1/keys/rotate', { rotateDataKeys: Boolean(o.dataKeys), ...(tenantIds ? { tenantIds } : {}) });
      ctx.out(c).result(r, rotationText);
      if (r.failed.length > 0) ctx.exitCode = ExitCode.FAILURE;
    });
  return cmd;
}
