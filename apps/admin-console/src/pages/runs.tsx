import { type FormEvent, useState } from 'react';
import { type Directory, RUN_STATUSES, type Run } from '../api/types';
import { ErrorMessage, Field, Loading, Page, StatusBadge, useConsole } from '../components';
import { STATUS_LABELS, formatDuration, formatTime, shortId } from '../format';
import { useResource } from '../hooks';
import { Link, navigate } from '../router';
import { paths } from '../routes';

const LIMIT = 50;

/** Recent runs of the tenant (or of one directory), newest first, filtered by status. */
export function RunsPage({ tenantId, directoryId, status }: { tenantId: string; directoryId?: string; status?: string }) {
  const { api } = useConsole();
  const data = useResource(async () => {
    const directories = await api.get<Directory[]>(`/v1/tenants/${tenantId}/directories`);
    const chosen = directoryId ? directories.filter((d) => d.id === directoryId) : directories;
    const query = `?limit=${LIMIT}${status ? `&status=${encodeURIComponent(status)}` : ''}`;
    // The API lists runs per directory: the tenant's list is their merge, newest first.
    const lists = await Promise.all(chosen.map((d) => api.get<Run[]>(`/v1/tenants/${tenantId}/directories/${d.id}/runs${query}`)));
    const runs = lists
      .flat()
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, LIMIT);
    return { directories, runs };
  }, [tenantId, directoryId, status]);
  const [filter, setFilter] = useState({ directoryId: directoryId ?? '', status: status ?? '' });
  const names = new Map((data.data?.directories ?? []).map((d) => [d.id, d.name]));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    navigate(paths.runs(tenantId, { directoryId: filter.directoryId || undefined, status: filter.status || undefined }));
  };

  return (
    <Page title="Runs">
      <form className="filters" onSubmit={apply} aria-label="Filter runs">
        <Field path="filter.directory" label="Directory">
          {(p) => (
            <select {...p} value={filter.directoryId} onChange={(e) => setFilter({ ...filter, directoryId: e.target.value })}>
              <option value="">All directories</option>
              {(data.data?.directories ?? []).map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field path="filter.status" label="Status">
          {(p) => (
            <select {...p} value={filter.status} onChange={(e) => setFilter({ ...filter, status: e.target.value })}>
              <option value="">Any status</option>
              {RUN_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit">Apply filter</button>
      </form>
      <ErrorMessage error={data.error} />
      {data.loading && !data.data ? <Loading what="runs" /> : null}
      {data.data && data.data.runs.length === 0 ? <p className="empty">No run matches.</p> : null}
      {data.data && data.data.runs.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>
              {data.data.runs.length} most recent run{data.data.runs.length === 1 ? '' : 's'}
              {directoryId ? ` of ${names.get(directoryId) ?? 'the directory'}` : ''}
              {status ? `, ${STATUS_LABELS[status as Run['status']] ?? status}` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Directory</th>
                <th scope="col">Status</th>
                <th scope="col">Trigger</th>
                <th scope="col">Created</th>
                <th scope="col">Duration</th>
                <th scope="col">Created / updated</th>
                <th scope="col">Problems</th>
              </tr>
            </thead>
            <tbody>
              {data.data.runs.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <Link to={paths.run(tenantId, r.id)} title={r.id}>
                      Run {shortId(r.id)}
                    </Link>
                  </th>
                  <td>{names.get(r.directoryId) ?? shortId(r.directoryId)}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{r.trigger}</td>
                  <td>{formatTime(r.createdAt)}</td>
                  <td>{formatDuration(r.startedAt ?? r.createdAt, r.finishedAt)}</td>
                  <td>{r.counts ? `${r.counts.created} / ${r.counts.updated}` : '—'}</td>
                  <td>{r.problemCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Page>
  );
}
