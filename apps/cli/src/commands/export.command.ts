import { Command } from 'commander';
import type { CommandContext } from '../context';

/** `roster export --email <address>`: the tenant's users as a users file, mailed (R-EXP-01). */
export function exportCommand(ctx: CommandContext): Command {
  return new Command('export')
    .description("export the tenant's users as a CSV users file, mailed to --email (a user of the tenant)")
    .requiredOption('--email <address>', 'who gets the file')
    .action(async (o: { email: string }, c: Command) => {
      const r = await ctx.api(c).post<{ exportId: string }>(`/v1/tenants/${ctx.tenant(c)}/exports`, { email: o.email });
      ctx.out(c).result({ ...r, email: o.email }, (v) => `export ${v.exportId} requested; the file will be mailed to ${v.email}`);
    });
}
