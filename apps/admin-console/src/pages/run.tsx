import { useEffect, useRef, useState } from 'react';
import { type Directory, FINAL_RUN_STATUSES, type PendingRemovals, type ProblemsPage, type RowProblem, type Run, type RunCounts } from '../api/types';
import { ErrorMessage, LiveStatus, Loading, Page, StatusBadge, canWrite, useConsole } from '../components';
import { COUNT_LABELS, STATUS_LABELS, formatDuration, formatTime, problemsCsv, shortId } from '../format';
import { useAction, useResource } from '../hooks';
import { Link, navigate } from '../router';
import { paths } from '../routes';

const STEPS = ['queued', 'fetching', 'reconciling', 'finished'] as const;
const PAGE = 50;

function stepOf(run: Run): (typeof STEPS)[number] | 'awaiting-approval' {
  if (FINAL_RUN_STATUSES.includes(run.status)) return 'finished';
  return run.status as (typeof STEPS)[number] | 'awaiting-approval';
}

/**
 * The run as the API streams it (`GET …/runs/{id}/stream`, server-sent events) while it is not final: each change
 * arrives as it happens. A stream that drops is opened again after 2 s (its first event is the run as it is then).
 */
function useLiveRun(base: string, loaded: Run | undefined): Run | undefined {
  const { api } = useConsole();
  const [live, setLive] = useState<Run>();
  const [attempt, setAttempt] = useState(0);
  // A reload (after approve or reject) is newer than the last streamed view.
  useEffect(() => setLive(undefined), [loaded]);
  const current = live ?? loaded;
  const following = current !== undefined && !FINAL_RUN_STATUSES.includes(current.status);
  useEffect(() => {
    if (!following) return;
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    let ended = false;
    api
      .stream(`${base}/stream`, (e) => {
        if (e.event === 'run') setLive(e.data as Run);
        if (e.event === 'end') ended = true;
      }, abort.signal)
      .catch(() => undefined)
      .finally(() => {
        if (!abort.signal.aborted && !ended) retry = setTimeout(() => setAttempt((n) => n + 1), 2_000);
      });
    return () => {
      abort.abort();
      clearTimeout(retry);
    };
  }, [base, following, attempt]);
  return live;
}

/**
 * A run: its progress while it runs (streamed by the API until the run is final), counts, the
 * problems with their row numbers, and for a held run (R-SAFE-01) who would go, with approve / reject.
 */
export function RunPage({ tenantId, runId }: { tenantId: string; runId: string }) {
  const { api, session } = useConsole();
  const base = `/v1/tenants/${tenantId}/runs/${runId}`;
  const run = useResource(() => api.get<Run>(base), [base]);
  const live = useLiveRun(base, run.data);
  const directory = useResource(
    () => (run.data ? api.get<Directory>(`/v1/tenants/${tenantId}/directories/${run.data.directoryId}`) : Promise.resolve(undefined)),
    [tenantId, run.data?.directoryId],
  );
  const [, setNow] = useState(0);
  const r = live ?? run.data;
  const final = r ? FINAL_RUN_STATUSES.includes(r.status) : false;
  // The elapsed time moves while the run runs.
  useEffect(() => {
    if (!r || final) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [r?.id, final]);

  if (run.error && !r) {
    return (
      <Page title="Run not available">
        <ErrorMessage error={run.error} />
        <Link to={paths.runs(tenantId)}>Back to runs</Link>
      </Page>
    );
  }
  if (!r) return <Loading what="the run" />;
  const step = stepOf(r);

  return (
    <Page title={`Run ${shortId(r.id)}`}>
      <p>
        <Link to={paths.runs(tenantId, { directoryId: r.directoryId })}>Runs of {directory.data?.name ?? 'the directory'}</Link>
        {' · '}
        <Link to={paths.directory(tenantId, r.directoryId)}>Directory settings</Link>
      </p>
      <div className="run-status">
        {/* Only the status is announced; the clock beside it ticks silently. */}
        <LiveStatus>
          Status: <StatusBadge status={r.status} />
        </LiveStatus>
        <span className="muted">
          {final ? `after ${formatDuration(r.startedAt ?? r.createdAt, r.finishedAt)}` : `for ${formatDuration(r.startedAt ?? r.createdAt, null)}`}
        </span>
      </div>
      {run.error ? <ErrorMessage error={run.error} title="The latest status could not be read; trying again" /> : null}

      <ol className="steps" aria-label="Progress">
        {STEPS.map((s, i) => {
          const current = step === s || (step === 'awaiting-approval' && s === 'reconciling');
          const done = STEPS.indexOf(step === 'awaiting-approval' ? 'reconciling' : step) > i || (s === 'finished' && final);
          return (
            <li key={s} className={current ? 'current' : done ? 'done' : ''} aria-current={current ? 'step' : undefined}>
              {s === 'finished' ? (final ? STATUS_LABELS[r.status] : 'Finished') : STATUS_LABELS[s]}
              {current && step === 'awaiting-approval' ? ' (held for approval)' : ''}
            </li>
          );
        })}
      </ol>

      <dl className="facts">
        <div>
          <dt>Run ID</dt>
          <dd>
            <code>{r.id}</code>
          </dd>
        </div>
        <div>
          <dt>Trigger</dt>
          <dd>{r.trigger}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(r.createdAt)}</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>{formatTime(r.finishedAt)}</dd>
        </div>
        {r.fileName ? (
          <div>
            <dt>File</dt>
            <dd>
              <code>{r.fileName}</code>
            </dd>
          </div>
        ) : null}
        {r.rerunOf ? (
          <div>
            <dt>Re-run of</dt>
            <dd>
              <Link to={paths.run(tenantId, r.rerunOf)}>Run {shortId(r.rerunOf)}</Link>
            </dd>
          </div>
        ) : null}
        {r.decision ? (
          <div>
            <dt>Decision</dt>
            <dd>{r.decision === 'approve' ? 'Approved' : 'Rejected'}</dd>
          </div>
        ) : null}
      </dl>

      {r.failure ? (
        <div className="notice notice-error">
          <p className="notice-title">The run failed</p>
          <p>{r.failure.message}</p>
          <p className="code">
            Code: <code>{r.failure.code}</code>
          </p>
        </div>
      ) : null}

      {r.status === 'awaiting-approval' && r.pendingRemovals ? <HeldRun run={r} pending={r.pendingRemovals} writable={canWrite(session)} onDecided={run.reload} /> : null}

      {final && canWrite(session) && r.trigger !== 'event' ? <Rerun run={r} /> : null}
      <Counts counts={r.counts} />
      <Problems tenantId={tenantId} run={r} />
    </Page>
  );
}

function Counts({ counts }: { counts: RunCounts | null }) {
  return (
    <section aria-labelledby="counts">
      <h2 id="counts">Counts</h2>
      {counts ? (
        <dl className="counts">
          {(Object.keys(COUNT_LABELS) as (keyof RunCounts)[]).map((k) => (
            <div key={k}>
              <dt>{COUNT_LABELS[k]}</dt>
              <dd>{counts[k]}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="muted">Counts appear when the run has been reconciled.</p>
      )}
    </section>
  );
}

/**
 * R-OPS-01: a finished run applied again from its retained source records (the directory's current policy), as a
 * new run the page then follows. The API says why when it cannot (not rerunnable, records expired, a run active).
 */
function Rerun({ run }: { run: Run }) {
  const { api } = useConsole();
  const rerun = useAction(() => api.post<Run>(`/v1/tenants/${run.tenantId}/runs/${run.id}/rerun`));
  const go = async () => {
    const next = await rerun.run();
    if (next) navigate(paths.run(run.tenantId, next.id));
  };
  return (
    <section aria-labelledby="rerun">
      <h2 id="rerun">Run again</h2>
      <p className="muted">Applies this run’s source records again (kept 7 days), with the directory’s current settings, as a new run.</p>
      <button type="button" onClick={() => void go()} disabled={rerun.pending}>
        {rerun.pending ? 'Starting…' : 'Re-run from its records'}
      </button>
      <ErrorMessage error={rerun.error} title="The run was not started again" />
    </section>
  );
}

/** R-SAFE-01: who the held run would deactivate or delete, and the decision. */
function HeldRun({ run, pending, writable, onDecided }: { run: Run; pending: PendingRemovals; writable: boolean; onDecided: () => void }) {
  const { api } = useConsole();
  const [confirm, setConfirm] = useState<'approve' | 'reject'>();
  const decide = useAction((decision: 'approve' | 'reject') => api.post<Run>(`/v1/tenants/${run.tenantId}/runs/${run.id}/${decision}`));
  const go = async (decision: 'approve' | 'reject') => {
    if (await decide.run(decision)) {
      setConfirm(undefined);
      onDecided();
    }
  };
  const total = pending.deactivate + pending.delete;
  // The run carries the first 100; the whole list is paged from the API on request.
  const all = useAction(async () => {
    const users: PendingRemovals['users'] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await api.get<{ total: number; users: PendingRemovals['users'] }>(`/v1/tenants/${run.tenantId}/runs/${run.id}/held-removals?offset=${offset}&limit=1000`);
      users.push(...page.users);
      if (page.users.length === 0 || users.length >= page.total) return users;
    }
  });
  const shown = all.result ?? pending.users;
  return (
    <section aria-labelledby="held" className="held">
      <h2 id="held">This run is waiting for approval</h2>
      <p>
        It would deactivate <strong>{pending.deactivate}</strong> and delete <strong>{pending.delete}</strong> of the directory’s {pending.directoryUsers} active users, more
        than the safeguard allows ({pending.threshold.count} users or {pending.threshold.percent} %). Nothing has changed yet.
      </p>
      <div className="table-wrap">
        <table>
          <caption>
            Users who would go{shown.length < total ? ` (the first ${shown.length} of ${total})` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((u) => (
              <tr key={u.userId}>
                <td>{u.email}</td>
                <td>{u.action === 'delete' ? 'Delete' : 'Deactivate'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length < total ? (
        <p>
          <button type="button" onClick={() => void all.run()} disabled={all.pending}>
            {all.pending ? 'Loading everyone…' : `Show all ${total}`}
          </button>
        </p>
      ) : null}
      <ErrorMessage error={all.error} title="The whole list could not be read" />
      <ErrorMessage error={decide.error} title="The decision was not recorded" />
      {writable ? (
        confirm ? (
          <div className="confirm" role="group" aria-label="Confirm the decision">
            <p>
              {confirm === 'approve'
                ? `Approve: ${total} user${total === 1 ? '' : 's'} will be deactivated or deleted as listed.`
                : 'Reject: the run fails and nothing of it is applied.'}
            </p>
            <button type="button" className={confirm === 'approve' ? 'primary' : 'danger'} onClick={() => void go(confirm)} disabled={decide.pending}>
              {confirm === 'approve' ? 'Yes, approve the run' : 'Yes, reject the run'}
            </button>
            <button type="button" onClick={() => setConfirm(undefined)}>
              Cancel
            </button>
          </div>
        ) : (
          <div className="actions">
            <button type="button" className="primary" onClick={() => setConfirm('approve')}>
              Approve
            </button>
            <button type="button" className="danger" onClick={() => setConfirm('reject')}>
              Reject
            </button>
          </div>
        )
      ) : (
        <p className="muted">This key can only read: an admin with a tenant-admin or operator key decides.</p>
      )}
    </section>
  );
}

/** Every problem of the run, paged from the API, each openable; downloadable as CSV. */
function Problems({ tenantId, run }: { tenantId: string; run: Run }) {
  const { api } = useConsole();
  const [offset, setOffset] = useState(0);
  const final = FINAL_RUN_STATUSES.includes(run.status);
  const page = useResource(
    () =>
      final || run.problemCount > 0
        ? api.get<ProblemsPage>(`/v1/tenants/${tenantId}/runs/${run.id}/problems?offset=${offset}&limit=${PAGE}`)
        : Promise.resolve({ runId: run.id, total: 0, offset: 0, limit: PAGE, problems: [] } as ProblemsPage),
    [tenantId, run.id, offset, final, run.problemCount],
  );
  const [open, setOpen] = useState<RowProblem>();
  const detail = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (open) detail.current?.focus();
  }, [open]);
  const download = useAction(async () => {
    const all: RowProblem[] = [];
    for (let at = 0; ; at += 1000) {
      const p = await api.get<ProblemsPage>(`/v1/tenants/${tenantId}/runs/${run.id}/problems?offset=${at}&limit=1000`);
      all.push(...p.problems);
      if (p.problems.length === 0 || all.length >= p.total) break;
    }
    const url = URL.createObjectURL(new Blob([problemsCsv(all)], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `run-${run.id}-problems.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return all.length;
  });
  const p = page.data;
  const total = p?.total ?? run.problemCount;

  return (
    <section aria-labelledby="problems">
      <h2 id="problems">Problems</h2>
      <ErrorMessage error={page.error} />
      {total === 0 ? <p className="muted">{final ? 'No problem: every row was taken.' : 'No problem so far.'}</p> : null}
      {p && p.problems.length > 0 ? (
        <>
          <div className="table-wrap">
            <table>
              <caption>
                Problems {p.offset + 1}–{p.offset + p.problems.length} of {p.total}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Field</th>
                  <th scope="col">Code</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {p.problems.map((x, i) => (
                  <tr key={`${p.offset + i}`} className={open === x ? 'selected' : undefined}>
                    <th scope="row">
                      <button type="button" className="link-button" onClick={() => setOpen(x)} aria-label={`Open the problem on row ${x.rowNumber ?? '?'}: ${x.code}`}>
                        {x.rowNumber !== undefined ? `Row ${x.rowNumber}` : x.externalId ? `ID ${x.externalId}` : 'Run'}
                      </button>
                    </th>
                    <td>{x.field ?? '—'}</td>
                    <td>
                      <code className="token">{x.code}</code>
                    </td>
                    <td>{x.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Problem pages">
            <button type="button" onClick={() => setOffset(Math.max(0, offset - PAGE))} disabled={offset === 0}>
              Previous {PAGE}
            </button>
            <button type="button" onClick={() => setOffset(offset + PAGE)} disabled={p.offset + p.problems.length >= p.total}>
              Next {PAGE}
            </button>
            <button type="button" onClick={() => void download.run()} disabled={download.pending}>
              {download.pending ? 'Preparing…' : `Download all ${p.total} as CSV`}
            </button>
          </nav>
          <ErrorMessage error={download.error} />
        </>
      ) : null}
      {open ? (
        <div className="problem-detail" tabIndex={-1} ref={detail} role="region" aria-labelledby="problem-detail-title">
          <h3 id="problem-detail-title">{open.rowNumber !== undefined ? `Problem on row ${open.rowNumber}` : 'Problem'}</h3>
          <dl className="facts">
            {open.rowNumber !== undefined ? (
              <div>
                <dt>Row</dt>
                <dd>{open.rowNumber} (the header is row 1)</dd>
              </div>
            ) : null}
            {open.externalId ? (
              <div>
                <dt>External ID</dt>
                <dd>{open.externalId}</dd>
              </div>
            ) : null}
            <div>
              <dt>Field</dt>
              <dd>{open.field ?? '—'}</dd>
            </div>
            <div>
              <dt>Code</dt>
              <dd>
                <code>{open.code}</code>
              </dd>
            </div>
            <div>
              <dt>What is wrong</dt>
              <dd>{open.message}</dd>
            </div>
          </dl>
          <button type="button" onClick={() => setOpen(undefined)}>
            Close
          </button>
        </div>
      ) : null}
    </section>
  );
}
