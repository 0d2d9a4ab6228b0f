import { useState } from 'react';
import type { Directory, DirectoryType, Run } from '../api/types';
import { ErrorMessage, Loading, Page, StatusBadge, canWrite, useConsole } from '../components';
import { TYPE_LABELS, describeSchedule, formatTime, shortId } from '../format';
import { useAction, useResource } from '../hooks';
import { Link, navigate, useLocation } from '../router';
import { paths } from '../routes';
import { EventDirectoryForm, HrisDirectoryForm, InboundSubjects, SftpDirectoryForm } from './directory-form';

const NEW_TITLES: Record<DirectoryType, string> = { 'sftp-csv': 'New SFTP directory', 'hris-api': 'New HR-API directory', event: 'New event directory' };

export function NewDirectoryPage({ tenantId, type }: { tenantId: string; type: DirectoryType }) {
  const onSaved = (d: Directory) => navigate(`${paths.directory(tenantId, d.id)}?created=1`);
  return (
    <Page title={NEW_TITLES[type]}>
      <p>
        <Link to={paths.directories(tenantId)}>Back to directories</Link>
      </p>
      {type === 'sftp-csv' ? (
        <SftpDirectoryForm tenantId={tenantId} onSaved={onSaved} />
      ) : type === 'hris-api' ? (
        <HrisDirectoryForm tenantId={tenantId} onSaved={onSaved} />
      ) : (
        <EventDirectoryForm tenantId={tenantId} onSaved={onSaved} />
      )}
    </Page>
  );
}

/** One directory: run it, enable or disable it, its recent runs, its settings (the same form as creation). */
export function DirectoryPage({ tenantId, directoryId }: { tenantId: string; directoryId: string }) {
  const { api, session } = useConsole();
  const { query } = useLocation();
  const base = `/v1/tenants/${tenantId}/directories/${directoryId}`;
  const directory = useResource(() => api.get<Directory>(base), [base]);
  const runs = useResource(() => api.get<Run[]>(`${base}/runs?limit=10`), [base]);
  const [saved, setSaved] = useState(false);
  const start = useAction(() => api.post<Run>(`${base}/runs`, {}));
  const toggle = useAction((enable: boolean) => api.post<Directory>(`${base}/${enable ? 'enable' : 'disable'}`));
  const [confirmDelete, setConfirmDelete] = useState(false);
  const remove = useAction(async () => {
    await api.delete<void>(base);
    return true;
  });
  const writable = canWrite(session);
  const onSaved = () => {
    setSaved(true);
    directory.reload();
  };

  if (directory.error && !directory.data) {
    return (
      <Page title="Directory not available">
        <ErrorMessage error={directory.error} />
        <Link to={paths.directories(tenantId)}>Back to directories</Link>
      </Page>
    );
  }
  const d = directory.data;
  if (!d) return <Loading what="the directory" />;

  const startRun = async () => {
    const run = await start.run();
    if (run) navigate(paths.run(tenantId, run.id));
  };
  const setEnabled = async (enable: boolean) => {
    if (await toggle.run(enable)) directory.reload();
  };
  const deleteDirectory = async () => {
    if (await remove.run()) navigate(paths.directories(tenantId));
  };

  return (
    <Page
      title={d.name}
      actions={
        writable ? (
          <>
            {d.type !== 'event' ? (
              <button type="button" className="primary" onClick={() => void startRun()} disabled={start.pending || !d.enabled}>
                {start.pending ? 'Starting…' : 'Start a run'}
              </button>
            ) : null}
            <button type="button" onClick={() => void setEnabled(!d.enabled)} disabled={toggle.pending}>
              {d.enabled ? 'Disable' : 'Enable'}
            </button>
          </>
        ) : null
      }
    >
      <p>
        <Link to={paths.directories(tenantId)}>Back to directories</Link>
      </p>
      {query.get('created') ? (
        <p className="notice notice-success" role="status">
          {d.type === 'event' ? 'The directory was created. Services can now publish its employee events on the subjects below.' : 'The directory was created. Start a run to bring its users in.'}
        </p>
      ) : null}
      {saved ? (
        <p className="notice notice-success" role="status">
          Your changes were saved.
        </p>
      ) : null}
      <ErrorMessage error={start.error} title="The run did not start" />
      <ErrorMessage error={toggle.error} />
      <dl className="facts">
        <div>
          <dt>Type</dt>
          <dd>{TYPE_LABELS[d.type]}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{d.enabled ? 'Enabled' : 'Disabled: no run starts'}</dd>
        </div>
        <div>
          <dt>Schedule</dt>
          <dd>{d.type === 'event' ? 'Runs on inbound events' : describeSchedule(d.schedule)}</dd>
        </div>
        <div>
          <dt>Next run</dt>
          <dd>{formatTime(d.nextRunAt)}</dd>
        </div>
        <div>
          <dt>ID</dt>
          <dd>
            <code>{d.id}</code>
          </dd>
        </div>
      </dl>

      {d.type === 'event' ? <InboundSubjects tenantId={tenantId} directory={d} /> : null}

      <section aria-labelledby="recent-runs">
        <h2 id="recent-runs">Recent runs</h2>
        <ErrorMessage error={runs.error} />
        {runs.data?.length === 0 ? <p className="empty">No run yet.</p> : null}
        {runs.data?.length ? (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Recent runs of {d.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Status</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Started</th>
                  <th scope="col">Problems</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">
                      <Link to={paths.run(tenantId, r.id)} title={r.id}>
                        Run {shortId(r.id)}
                      </Link>
                    </th>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>{r.trigger}</td>
                    <td>{formatTime(r.startedAt ?? r.createdAt)}</td>
                    <td>{r.problemCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <p>
          <Link to={paths.runs(tenantId, { directoryId: d.id })}>All runs of this directory</Link>
        </p>
      </section>

      <section aria-labelledby="settings">
        <h2 id="settings">Settings</h2>
        {d.type === 'sftp-csv' ? (
          <SftpDirectoryForm
            key={d.updatedAt}
            tenantId={tenantId}
            directory={d}
            onSaved={onSaved}
          />
        ) : d.type === 'hris-api' ? (
          <HrisDirectoryForm
            key={d.updatedAt}
            tenantId={tenantId}
            directory={d}
            onSaved={onSaved}
          />
        ) : (
          <EventDirectoryForm
            key={d.updatedAt}
            tenantId={tenantId}
            directory={d}
            onSaved={onSaved}
          />
        )}
      </section>

      {writable ? (
        <section aria-labelledby="delete-directory" className="danger-zone">
          <h2 id="delete-directory">Delete this directory</h2>
          <p>Its users stay; its runs stay readable. A directory with an active run cannot be deleted.</p>
          <ErrorMessage error={remove.error} title="The directory was not deleted" />
          {confirmDelete ? (
            <div className="confirm">
              <p>Delete {d.name}? This cannot be undone.</p>
              <button type="button" className="danger" onClick={() => void deleteDirectory()} disabled={remove.pending}>
                Yes, delete {d.name}
              </button>
              <button type="button" onClick={() => setConfirmDelete(false)}>
                Keep it
              </button>
            </div>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
              Delete directory
            </button>
          )}
        </section>
      ) : null}
    </Page>
  );
}
