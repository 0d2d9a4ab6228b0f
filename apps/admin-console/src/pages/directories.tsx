import type { Directory, Run } from '../api/types';
import { ErrorMessage, Loading, Page, StatusBadge, canWrite, useConsole } from '../components';
import { TYPE_LABELS, describeSchedule, formatTime } from '../format';
import { useResource } from '../hooks';
import { Link } from '../router';
import { paths } from '../routes';

interface Row {
  directory: Directory;
  lastRun?: Run;
}

/** The tenant's directories with their type, state, last run and next scheduled run. */
export function DirectoriesPage({ tenantId }: { tenantId: string }) {
  const { api, session } = useConsole();
  const rows = useResource(async (): Promise<Row[]> => {
    const directories = await api.get<Directory[]>(`/v1/tenants/${tenantId}/directories`);
    // One request per directory: the API lists runs per directory (newest first).
    return Promise.all(
      directories.map(async (directory) => ({
        directory,
        lastRun: (await api.get<Run[]>(`/v1/tenants/${tenantId}/directories/${directory.id}/runs?limit=1`).catch(() => []))[0],
      })),
    );
  }, [tenantId]);

  return (
    <Page
      title="Directories"
      actions={
        canWrite(session) ? (
          <>
            <Link className="button primary" to={paths.newDirectory(tenantId, 'sftp-csv')}>
              New SFTP directory
            </Link>
            <Link className="button" to={paths.newDirectory(tenantId, 'hris-api')}>
              New HR-API directory
            </Link>
            <Link className="button" to={paths.newDirectory(tenantId, 'event')}>
              New event directory
            </Link>
          </>
        ) : null
      }
    >
      <p>Each directory brings users from one source into the tenant: an SFTP folder, an HR system’s API, or events that internal services publish. Open one to change its settings, test its connection or start a run.</p>
      <ErrorMessage error={rows.error} />
      {rows.loading && !rows.data ? <Loading what="directories" /> : null}
      {rows.data && rows.data.length === 0 ? <p className="empty">This tenant has no directory yet.</p> : null}
      {rows.data && rows.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Directories of the tenant</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
              </tr>
            </thead>
            <tbody>
              {rows.data.map(({ directory: d, lastRun }) => (
                <tr key={d.id}>
                  <th scope="row">
                    <Link to={paths.directory(tenantId, d.id)}>{d.name}</Link>
                  </th>
                  <td>{TYPE_LABELS[d.type] ?? d.type}</td>
                  <td>{d.enabled ? <span className="badge badge-enabled">Enabled</span> : <span className="badge badge-disabled">Disabled</span>}</td>
                  <td>
                    {lastRun ? (
                      <>
                        <Link to={paths.run(tenantId, lastRun.id)} aria-label={`Last run of ${d.name}, ${lastRun.status}, ${formatTime(lastRun.createdAt)}`}>
                          <StatusBadge status={lastRun.status} />
                        </Link>{' '}
                        <span className="muted">{formatTime(lastRun.finishedAt ?? lastRun.createdAt)}</span>
                      </>
                    ) : (
                      <span className="muted">Never run</span>
                    )}
                  </td>
                  <td>
                    {d.nextRunAt ? formatTime(d.nextRunAt) : <span className="muted">—</span>}
                    <div className="muted small">{d.type === 'event' ? 'Runs on inbound events' : describeSchedule(d.schedule)}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Page>
  );
}
