import { Command } from 'commander';
import type { CommandContext } from '../context';

/** `GET /v1/me`: the key's role and tenant, never the key (R-SEC-02). */
export interface Me {
  role: 'operator' | 'tenant-admin' | 'read-only';
  tenantId: string | null;
  key: { kind: 'issued'; id: string; name: string; prefix: string; createdAt: string } | { kind: 'bootstrap'; name: string };
}

/** The answer in a sentence, and a warning when the tenant the CLI would use is not the key's. */
export function whoamiText(me: Me, tenant: string | undefined): string {
  const key = me.key.kind === 'bootstrap' ? `the bootstrap operator key (${me.key.name})` : `key "${me.key.name}" (rk_${me.key.prefix}_…, issued ${me.key.createdAt})`;
  const scope = me.tenantId === null ? 'every tenant' : `tenant ${me.tenantId}`;
  const lines = [`${me.role} of ${scope}, with ${key}`];
  if (me.tenantId !== null && tenant !== undefined && tenant !== me.tenantId) {
    lines.push(`note: --tenant / ROSTER_TENANT_ID is ${tenant}, not this key's tenant: its commands will be refused`);
  }
  return lines.join('\n');
}

/** `roster whoami`: which key the CLI is using and what it may touch, before a script acts with it. */
export function whoamiCommand(ctx: CommandContext): Command {
  return new Command('whoami').description("the API key's role and tenant (GET /v1/me; never the key itself)").action(async (_o: unknown, c: Command) => {
    const me = await ctx.api(c).get<Me>('/v1/me');
    ctx.out(c).result(me, (m) => whoamiText(m, ctx.optionalTenant(c)));
  });
}
