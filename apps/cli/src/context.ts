import type { Command } from 'commander';
import { AdminApi } from './api-client';
import { ExitCode, usageError } from './exit-codes';
import { Output, type Streams } from './output';

export interface GlobalOptions {
  apiUrl?: string;
  apiKey?: string;
  tenant?: string;
  json?: boolean;
  /** dlq and replay: the operator-wide routes, whatever ROSTER_TENANT_ID says. */
  allTenants?: boolean;
}

/** What every command needs: the output, the API client and the tenant, from flags or the environment. */
export class CommandContext {
  /** Set by a command whose work ended other than ok (a failed run, a failed connection test). */
  exitCode: ExitCode = ExitCode.OK;
  /** `--json` is on the command line: stderr carries NDJSON only. */
  jsonRequested = false;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly io: Streams,
  ) {}

  private options(cmd: Command): GlobalOptions {
    return cmd.optsWithGlobals<GlobalOptions>();
  }

  out(cmd: Command): Output {
    return new Output(Boolean(this.options(cmd).json), this.io);
  }

  api(cmd: Command): AdminApi {
    const o = this.options(cmd);
    const apiUrl = o.apiUrl ?? (this.env.ROSTER_API_URL || undefined);
    const apiKey = o.apiKey ?? (this.env.ROSTER_API_KEY || undefined);
    if (!apiUrl) throw usageError('no admin API URL: pass --api-url or set ROSTER_API_URL (e.g. http://localhost:3000)');
    // The value is never echoed: a key pasted into the wrong flag, or a password in the URL, would land in terminals,
    // CI logs and `--json` output.
    let parsed: URL | undefined;
    try {
      parsed = new URL(apiUrl);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol)) throw usageError('--api-url / ROSTER_API_URL must be an http(s) URL, e.g. http://localhost:3000');
    if (parsed.username || parsed.password) {
      throw usageError('--api-url / ROSTER_API_URL must not carry a user or password; the admin API takes its key from --api-key / ROSTER_API_KEY');
    }
    // The paths are appended to it: a query or fragment would land inside each (and a token in one would be echoed back).
    if (parsed.search || parsed.hash) {
      throw usageError('--api-url / ROSTER_API_URL must be the base URL of the admin API, without a query (?…) or fragment (#…), e.g. http://localhost:3000');
    }
    if (!apiKey) throw usageError('no admin API key: pass --api-key or set ROSTER_API_KEY');
    return new AdminApi({ apiUrl, apiKey });
  }

  /** The tenant of a tenant-scoped command (required). */
  tenant(cmd: Command): string {
    const tenant = this.optionalTenant(cmd);
    if (!tenant) throw usageError('this command needs a tenant: pass --tenant <id> or set ROSTER_TENANT_ID');
    return tenant;
  }

  /**
   * dlq and replay: the tenant whose routes to use, or undefined for the operator-wide ones — with --all-tenants, or
   * when no tenant is given. An explicit --tenant together with --all-tenants is a contradiction.
   */
  scopeTenant(cmd: Command): string | undefined {
    const o = this.options(cmd);
    if (o.allTenants) {
      if (o.tenant !== undefined) throw usageError('give --tenant or --all-tenants, not both');
      return undefined;
    }
    return this.optionalTenant(cmd);
  }

  optionalTenant(cmd: Command): string | undefined {
    // An empty variable is no tenant (operator-wide dead letters), not a bad one.
    const tenant = this.options(cmd).tenant ?? (this.env.ROSTER_TENANT_ID || undefined);
    if (tenant !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenant)) {
      throw usageError(`--tenant must be a tenant id (a UUID), got "${tenant}"`);
    }
    return tenant;
  }
}

/** An argument as a POSIX shell reads it back: as it is when plain, else single-quoted (a `'` inside as `'\''`). */
export function shellArg(value: string): string {
  return /^[A-Za-z0-9_.@%+=:,/-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Parses a positive integer option or argument, or stops with a usage error naming it; `max`: the most the API takes,
 * refused here as usage (exit 2) rather than by the API.
 */
export function positiveInt(name: string, max?: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) throw usageError(`${name} must be a positive integer, got "${raw}"`);
    if (max !== undefined && Number(raw) > max) throw usageError(`${name} must be at most ${max}, got ${raw}`);
    return Number(raw);
  };
}

export function uuidArg(name: string, raw: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)) throw usageError(`${name} must be an id (a UUID), got "${raw}"`);
  return raw;
}
