/** What the quick start printed and made: the values an operator needs to go on with the platform. */
export interface TryContext {
  apiUrl: string;
  /** The operator key the platform started with (ROSTER_API_KEY of directory-config). */
  apiKey: string;
  tenantId: string;
  directoryId: string;
  sftp: { folder: string; username: string };
}

/** A value as a shell word: as is when it is plain, else single-quoted. */
const sh = (v: string) => (/^[A-Za-z0-9_.,:/@%+=-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

/**
 * The quick start's closing lines: the environment the `roster` CLI reads, with the real values, then each thing to
 * try as a `roster` command (README, "The `roster` CLI": `npm run -s roster -- …` from the repository) and the same
 * with curl.
 */
export function tryLines(c: TryContext): string[] {
  const roster = (args: string) => `  npm run -s roster -- ${args}`;
  const curl = (path: string, method = 'GET') => `  curl -s${method === 'GET' ? '' : ` -X ${method}`} -H ${sh(`x-api-key: ${c.apiKey}`)} ${c.apiUrl}${path}`;
  const tenant = `/v1/tenants/${c.tenantId}`;
  return [
    'The platform stays up. Try the roster CLI from this directory (README, "The roster CLI"), after:',
    `  export ROSTER_API_URL=${sh(c.apiUrl)}`,
    `  export ROSTER_API_KEY=${sh(c.apiKey)}`,
    `  export ROSTER_TENANT_ID=${sh(c.tenantId)}`,
    roster('whoami'),
    roster('directories list'),
    roster(`runs list --directory ${c.directoryId}`),
    roster('users list'),
    roster('dlq list'),
    `  drop another file: cp my-users.csv ${c.sftp.folder}/users.csv && chown ${c.sftp.username} ${c.sftp.folder}/users.csv, then`,
    roster(`sync ${c.directoryId}`),
    'or with curl:',
    curl(`${tenant}/directories`),
    curl(`${tenant}/directories/${c.directoryId}/runs`),
    curl(`${tenant}/users`),
    curl(`${tenant}/dead-letters`),
    `${curl(`${tenant}/directories/${c.directoryId}/runs`, 'POST')}   # a run, after dropping a file`,
    `  curl -s ${c.apiUrl}/openapi.json | head -c 400; curl -s ${c.apiUrl}/metrics | head`,
  ];
}
