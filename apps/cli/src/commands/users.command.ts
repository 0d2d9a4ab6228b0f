import { Command, Option } from 'commander';
import type { CommandContext } from '../context';
import { positiveInt, shellArg, uuidArg } from '../context';
import { table } from '../output';

interface UserSummary {
  userId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  status: string;
  directoryName: string | null;
  teams: string[];
}

interface UsersPage {
  users: UserSummary[];
  nextAfter: string | null;
}

interface UserRef {
  userId: string;
  email: string;
  displayName: string | null;
  firstName: string | null;
  lastName: string | null;
}

interface User extends Omit<UserSummary, 'teams'> {
  username: string | null;
  externalId: string | null;
  sourceDirectoryId: string | null;
  jobTitle: string | null;
  department: string | null;
  location: string | null;
  customFields: Record<string, string>;
  teams: { name: string }[];
  managerChain: UserRef[];
  managerChainEnd: string;
  directReports: number;
}

const STATUSES = ['active', 'inactive', 'deleted', 'anonymized'];
/** The most users the API answers a page with (USERS_PAGE_MAX of libs/contracts; the CLI talks HTTP only). */
const USERS_PAGE_MAX = 200;
const nameOf = (u: { displayName: string | null; firstName: string | null; lastName: string | null }) =>
  u.displayName ?? ([u.firstName, u.lastName].filter(Boolean).join(' ') || null);

interface ListOptions {
  search?: string;
  directory?: string;
  status?: string;
  team?: string;
  manager?: string;
  after?: string;
  limit?: number;
}

/** The `users list` that reads the next page: the same filters and limit, after the last email shown. */
const nextPageCommand = (o: ListOptions, after: string) =>
  [
    'roster users list',
    ...(['search', 'directory', 'status', 'team', 'manager'] as const).flatMap((k) => (o[k] === undefined ? [] : [`--${k} ${shellArg(o[k])}`])),
    ...(o.limit !== undefined ? [`--limit ${o.limit}`] : []),
    `--after ${shellArg(after)}`,
  ].join(' ');

/** `roster users list|show` (issue 9): the tenant's users as the reconciler keeps them; `activate` (R-API-05). */
export function usersCommand(ctx: CommandContext): Command {
  const cmd = new Command('users').description("the tenant's users: read them, activate an inactive one");

  cmd
    .command('list')
    .description('a page of users by email; --after <email> (the previous page’s nextAfter) for the next one')
    .option('-q, --search <prefix>', 'prefix of the email, first name, full name, last name or display name (any case)')
    .option('-d, --directory <directoryId>', 'users owned by this directory')
    .addOption(new Option('--status <status>', 'only users of this status').choices(STATUSES))
    .option('--team <team>', 'members of this team (id or name)')
    .option('--manager <userId>', 'direct reports of this user')
    .option('--after <email>', 'the page after this email')
    .option('--limit <n>', `at most this many users (1..${USERS_PAGE_MAX}, default 50)`, positiveInt('--limit', USERS_PAGE_MAX))
    .action(async (o: ListOptions, c: Command) => {
      const page = await ctx.api(c).get<UsersPage>(`/v1/tenants/${ctx.tenant(c)}/users`, {
        q: o.search,
        directoryId: o.directory === undefined ? undefined : uuidArg('--directory', o.directory),
        status: o.status,
        team: o.team,
        managerId: o.manager === undefined ? undefined : uuidArg('--manager', o.manager),
        after: o.after,
        limit: o.limit,
      });
      ctx.out(c).result(page, (v) => {
        if (!v.users.length) return 'no users';
        const rows = table(['ID', 'EMAIL', 'NAME', 'STATUS', 'DIRECTORY', 'TEAMS'], v.users.map((u) => [u.userId, u.email, nameOf(u), u.status, u.directoryName, u.teams.join(', ')]));
        return v.nextAfter ? `${rows}\nmore: ${nextPageCommand(o, v.nextAfter)}` : rows;
      });
    });

  cmd
    .command('show <userId>')
    .description('one user: profile, custom fields, teams, manager chain, direct reports')
    .action(async (id: string, _o, c: Command) => {
      const u = await ctx.api(c).get<User>(`/v1/tenants/${ctx.tenant(c)}/users/${uuidArg('userId', id)}`);
      ctx.out(c).result(u, (v) =>
        [
          `${v.email} (${v.status})${nameOf(v) ? ` — ${nameOf(v)}` : ''}`,
          `id: ${v.userId}`,
          `directory: ${v.directoryName ?? v.sourceDirectoryId ?? '-'}`,
          `username: ${v.username ?? '-'}  external id: ${v.externalId ?? '-'}`,
          `job title: ${v.jobTitle ?? '-'}  department: ${v.department ?? '-'}  location: ${v.location ?? '-'}`,
          `teams: ${v.teams.map((t) => t.name).join(', ') || '-'}`,
          `managers: ${v.managerChain.map((m) => m.email).join(' → ') || '-'} (${v.managerChainEnd})`,
          `direct reports: ${v.directReports}`,
          ...Object.entries(v.customFields).map(([k, val]) => `${k}: ${val}`),
        ].join('\n'),
      );
    });

  cmd
    .command('activate <userId>')
    .description('R-API-05: activate an inactive user (one created inactive by a directory with activation off); the reconciler applies it between runs')
    .action(async (id: string, _o, c: Command) => {
      const r = await ctx.api(c).post<{ userId: string; status: string }>(`/v1/tenants/${ctx.tenant(c)}/users/${uuidArg('userId', id)}/activate`);
      ctx.out(c).result(r, (v) => `activation of user ${v.userId} requested; \`roster users show ${v.userId}\` shows its status once applied`);
    });

  return cmd;
}
