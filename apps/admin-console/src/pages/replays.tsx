import { type FormEvent, useEffect, useRef, useState } from 'react';
import { fieldErrorsOf } from '../api/client';
import { REPLAY_STREAMS, type Replay, type ReplayStream } from '../api/types';
import { ErrorMessage, ErrorSummary, Field, Fieldset, Loading, Page, canWrite, messagesFor, useConsole } from '../components';
import { formatTime, utcInstant } from '../format';
import { useAction, useResource } from '../hooks';

const STREAM_LABELS: Record<ReplayStream, string> = {
  ROSTER_DIRECTORY: 'Directory events (user, team, group changes; 30 days)',
  ROSTER_RUNS: 'Run commands and lifecycle (30 days)',
  ROSTER_RECORDS: 'Source record batches (7 days)',
  ROSTER_INBOUND: 'Inbound employee events (7 days)',
};

/** Every Roster subject is `roster.<area>.<tenant>.…`: an example filter for the stream. */
const exampleFilter = (stream: ReplayStream, tenantId?: string) =>
  `roster.${stream.slice('ROSTER_'.length).toLowerCase()}.${tenantId ?? '<tenant>'}.${stream === 'ROSTER_DIRECTORY' ? 'user.>' : '>'}`;

const apiBase = (tenantId?: string) => (tenantId ? `/v1/tenants/${tenantId}/replays` : '/v1/replays');

interface ReplayForm {
  stream: ReplayStream;
  name: string;
  durable: boolean;
  filterSubject: string;
  startTime: string;
  endTime: string;
}

/** The create body: blanks left out, times as UTC instants; the API judges the rest. */
export function replayBody(f: ReplayForm): Record<string, unknown> {
  const body: Record<string, unknown> = { stream: f.stream, durable: f.durable };
  if (f.name.trim()) body['name'] = f.name.trim();
  if (f.filterSubject.trim()) body['filterSubject'] = f.filterSubject.trim();
  const start = utcInstant(f.startTime);
  const end = utcInstant(f.endTime);
  if (start) body['startTime'] = start;
  if (end) body['endTime'] = end;
  return body;
}

/**
 * R-OPS-01: replay consumers — a JetStream consumer that delivers a stream's retained messages again (nothing is
 * re-published). Operators replay any tenant's subjects; a tenant key's replays are pinned to its tenant.
 */
export function ReplaysPage({ tenantId }: { tenantId?: string }) {
  const { api, session } = useConsole();
  const base = apiBase(tenantId);
  const list = useResource(() => api.get<Replay[]>(base), [base]);
  const [form, setForm] = useState<ReplayForm>({ stream: 'ROSTER_DIRECTORY', name: '', durable: true, filterSubject: '', startTime: '', endTime: '' });
  const set = <K extends keyof ReplayForm>(k: K, v: ReplayForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const create = useAction(() => api.post<Replay>(base, replayBody(form)));
  const remove = useAction(async (r: Replay) => {
    await api.delete<void>(`${base}/${r.stream}/${encodeURIComponent(r.name)}`);
    return r.name;
  });
  const errors = create.error ? fieldErrorsOf(create.error) : {};
  const writable = canWrite(session);
  const result = useRef<HTMLElement>(null);
  useEffect(() => {
    if (create.result) result.current?.focus();
  }, [create.result]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await create.run()) list.reload();
  };
  const deleteReplay = async (r: Replay) => {
    if (await remove.run(r)) list.reload();
  };
  const created = create.result;

  return (
    <Page title={tenantId ? 'Replay' : 'Replay (all tenants)'}>
      <p>
        A replay consumer delivers a stream’s retained messages again, from a time on, to whoever reads it (a service being rebuilt, an audit).
        Nothing is published again. Read it with any JetStream client and stop after its end sequence.
      </p>
      {writable ? (
        <form onSubmit={(e) => void submit(e)} noValidate className="narrow" aria-labelledby="new-replay">
          <h2 id="new-replay">New replay consumer</h2>
          <ErrorSummary error={create.error} fields={errors} title="The replay consumer was not created" />
          <Field path="stream" label="Stream" errors={messagesFor(errors, 'stream')}>
            {(p) => (
              <select {...p} value={form.stream} onChange={(e) => set('stream', e.target.value as ReplayStream)}>
                {REPLAY_STREAMS.map((s) => (
                  <option key={s} value={s}>
                    {s} — {STREAM_LABELS[s]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Fieldset legend="Consumer">
            <div className="checkbox">
              <input id="replay-durable" type="radio" name="durability" checked={form.durable} onChange={() => set('durable', true)} />
              <label htmlFor="replay-durable">Durable: stays until deleted</label>
            </div>
            <div className="checkbox">
              <input id="replay-ephemeral" type="radio" name="durability" checked={!form.durable} onChange={() => set('durable', false)} />
              <label htmlFor="replay-ephemeral">Ephemeral: the server deletes it after 5 minutes unused</label>
            </div>
            <Field
              path="name"
              label="Consumer name"
              hint="Letters, digits, - and _ (replay- is put in front). Needed for a durable consumer; creating the same one again changes nothing."
              errors={messagesFor(errors, 'name')}
            >
              {(p) => <input {...p} type="text" spellCheck={false} value={form.name} onChange={(e) => set('name', e.target.value)} />}
            </Field>
          </Fieldset>
          <Field
            path="filterSubject"
            label="Subject filter"
            hint={
              <>
                Optional; wildcards * and a final &gt;. For example <code>{exampleFilter(form.stream, tenantId)}</code>.
                {tenantId ? ' It is always limited to this tenant.' : ''}
              </>
            }
            errors={messagesFor(errors, 'filterSubject')}
          >
            {(p) => <input {...p} type="text" spellCheck={false} value={form.filterSubject} onChange={(e) => set('filterSubject', e.target.value)} />}
          </Field>
          <Fieldset legend="Time range (UTC)" hint="Blank start: from the oldest retained message. The end, not in the future, becomes the last sequence to read.">
            <Field path="startTime" label="From (UTC)" errors={messagesFor(errors, 'startTime').concat(messagesFor(errors, 'startSequence'))}>
              {(p) => <input {...p} type="datetime-local" step={1} value={form.startTime} onChange={(e) => set('startTime', e.target.value)} />}
            </Field>
            <Field path="endTime" label="Until (UTC)" errors={messagesFor(errors, 'endTime').concat(messagesFor(errors, 'endSequence'))}>
              {(p) => <input {...p} type="datetime-local" step={1} value={form.endTime} onChange={(e) => set('endTime', e.target.value)} />}
            </Field>
          </Fieldset>
          <button type="submit" className="primary" disabled={create.pending}>
            {create.pending ? 'Creating…' : 'Create replay consumer'}
          </button>
        </form>
      ) : null}

      {created ? (
        <section className="notice notice-success" aria-labelledby="replay-result" tabIndex={-1} ref={result} role="status">
          <h2 id="replay-result" className="notice-title">
            {created.created === false ? `Replay consumer ${created.name} already existed with these settings (unchanged)` : `Replay consumer ${created.name} created`}
          </h2>
          <ReplayFacts replay={created} />
          <p>
            Read it with <code>{`nats consumer next ${created.stream} ${created.name} --count ${Math.max(1, created.pending)}`}</code>
            {created.endSequence !== null ? `, stopping after stream sequence ${created.endSequence}` : ''}.
          </p>
        </section>
      ) : null}

      <section className="replays-list" aria-labelledby="replays">
        <h2 id="replays">Replay consumers</h2>
        <ErrorMessage error={list.error} />
        <ErrorMessage error={remove.error} title="The replay consumer was not deleted" />
        {remove.result ? (
          <p className="notice notice-success" role="status">
            Deleted {remove.result}; the stream is untouched.
          </p>
        ) : null}
        {list.loading && !list.data ? <Loading what="replay consumers" /> : null}
        {list.data && list.data.length === 0 ? <p className="empty">No replay consumer.</p> : null}
        {list.data && list.data.length > 0 ? (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Replay consumers</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Stream</th>
                  <th scope="col">Filter</th>
                  <th scope="col">From</th>
                  <th scope="col">Ends after</th>
                  <th scope="col">Pending</th>
                  {writable ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.data.map((r) => (
                  <tr key={`${r.stream}/${r.name}`}>
                    <th scope="row">{r.name}</th>
                    <td>{r.stream}</td>
                    <td>
                      <code className="subject">{r.filterSubject ?? '(all)'}</code>
                    </td>
                    <td>{startText(r)}</td>
                    <td>{r.endSequence !== null ? `sequence ${r.endSequence}` : '—'}</td>
                    <td>{r.pending}</td>
                    {writable ? (
                      <td>
                        <button type="button" className="danger" onClick={() => void deleteReplay(r)} disabled={remove.pending} aria-label={`Delete ${r.name}`}>
                          Delete
                        </button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </Page>
  );
}

const startText = (r: Replay) => (r.startTime ? formatTime(r.startTime) : r.startSequence !== null ? `sequence ${r.startSequence}` : 'the oldest retained');

function ReplayFacts({ replay: r }: { replay: Replay }) {
  return (
    <dl className="facts">
      <div>
        <dt>Stream</dt>
        <dd>{r.stream}</dd>
      </div>
      <div>
        <dt>Kind</dt>
        <dd>{r.durable ? 'Durable' : `Ephemeral (deleted after ${r.inactiveSeconds ?? 300} s unused)`}</dd>
      </div>
      <div>
        <dt>Filter</dt>
        <dd>
          <code>{r.filterSubject ?? '(all)'}</code>
        </dd>
      </div>
      <div>
        <dt>From</dt>
        <dd>{startText(r)}</dd>
      </div>
      <div>
        <dt>Ends after</dt>
        <dd>{r.endSequence !== null ? `stream sequence ${r.endSequence}${r.endTime ? ` (the last at or before ${formatTime(r.endTime)})` : ''}` : 'no end: everything retained'}</dd>
      </div>
      <div>
        <dt>Messages waiting</dt>
        <dd>{r.pending}</dd>
      </div>
    </dl>
  );
}
