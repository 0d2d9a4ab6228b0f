import { type FormEvent, useState } from 'react';
import { fieldErrorsOf } from '../api/client';
import type { DeadLetter, DeadLetterPage, Discard, Redrive } from '../api/types';
import { ErrorMessage, ErrorSummary, Field, Loading, Page, canWrite, messagesFor, useConsole } from '../components';
import { formatTime } from '../format';
import { useAction, useResource } from '../hooks';
import { Link, navigate, useLocation } from '../router';
import { paths } from '../routes';

const FILTERS = ['service', 'consumer', 'subject', 'code', 'tenantId'] as const;
type Filter = Record<(typeof FILTERS)[number], string>;

/** Operators see every tenant's dead letters (`/v1/dead-letters`); a tenant key its own tenant's. */
const apiBase = (tenantId?: string) => (tenantId ? `/v1/tenants/${tenantId}/dead-letters` : '/v1/dead-letters');

/** R-OPS-02: messages a consumer gave up on, filtered and paged by DLQ sequence. */
export function DeadLettersPage({ tenantId }: { tenantId?: string }) {
  const { api } = useConsole();
  const { query } = useLocation();
  const applied: Filter = { service: '', consumer: '', subject: '', code: '', tenantId: '' };
  for (const f of FILTERS) applied[f] = query.get(f) ?? '';
  const after = Number(query.get('after') ?? '0') || 0;
  const search = new URLSearchParams();
  for (const f of FILTERS) if (applied[f] && !(tenantId && f === 'tenantId')) search.set(f, applied[f]);
  if (after) search.set('afterSequence', String(after));
  search.set('limit', '50');
  const page = useResource(() => api.get<DeadLetterPage>(`${apiBase(tenantId)}?${search.toString()}`), [tenantId, search.toString()]);
  const [filter, setFilter] = useState<Filter>(applied);
  const errors = page.error ? fieldErrorsOf(page.error) : {};

  const go = (f: Filter, afterSequence = 0) => {
    const q = new URLSearchParams();
    for (const k of FILTERS) if (f[k].trim()) q.set(k, f[k].trim());
    if (afterSequence) q.set('after', String(afterSequence));
    const s = q.toString();
    navigate(`${paths.deadLetters(tenantId)}${s ? `?${s}` : ''}`);
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    go(filter);
  };

  return (
    <Page title={tenantId ? 'Dead letters' : 'Dead letters (all tenants)'}>
      <p>Messages a service gave up on, with the reason. Inspect one to redrive it (publish it again to its original subject) or discard it.</p>
      <form className="filters" onSubmit={apply} aria-label="Filter dead letters" noValidate>
        {FILTERS.filter((f) => !(tenantId && f === 'tenantId')).map((f) => (
          <Field
            key={f}
            path={f}
            label={{ service: 'Service', consumer: 'Consumer', subject: 'Original subject', code: 'Reason code', tenantId: 'Tenant ID' }[f]}
            errors={messagesFor(errors, f)}
          >
            {(p) => <input {...p} type="text" spellCheck={false} value={filter[f]} onChange={(e) => setFilter({ ...filter, [f]: e.target.value })} />}
          </Field>
        ))}
        <button type="submit">Apply filter</button>
      </form>
      <ErrorSummary error={page.error} fields={errors} title="The dead letters could not be listed" />
      {page.loading && !page.data ? <Loading what="dead letters" /> : null}
      {page.data && page.data.items.length === 0 ? <p className="empty">No dead letter matches.</p> : null}
      {page.data && page.data.items.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Dead letters, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Sequence</th>
                <th scope="col">Consumer</th>
                <th scope="col">Code</th>
                <th scope="col">Reason</th>
                <th scope="col">Original subject</th>
                {!tenantId ? <th scope="col">Tenant</th> : null}
                <th scope="col">Dead-lettered</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((d) => (
                <tr key={d.sequence}>
                  <th scope="row">
                    <Link to={paths.deadLetter(d.sequence, tenantId)} aria-label={`Dead letter ${d.sequence}: ${d.code} in ${d.consumer}`}>
                      #{d.sequence}
                    </Link>
                  </th>
                  <td>{d.consumer}</td>
                  <td>
                    <code className="token">{d.code}</code>
                  </td>
                  <td className="reason">{d.reason}</td>
                  <td>
                    <code className="subject">{d.original.subject}</code>
                  </td>
                  {!tenantId ? <td>{d.tenantId ? <Link to={paths.directories(d.tenantId)}>{d.tenantId.slice(0, 8)}</Link> : <span className="muted">unknown</span>}</td> : null}
                  <td>{formatTime(d.deadLetteredAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav className="pager" aria-label="Dead letter pages">
        {after ? (
          <button type="button" onClick={() => go(applied)}>
            First page
          </button>
        ) : null}
        {page.data?.nextAfterSequence ? (
          <button type="button" onClick={() => go(applied, page.data?.nextAfterSequence ?? 0)}>
            Next page
          </button>
        ) : null}
      </nav>
    </Page>
  );
}

/** One dead letter: payload, headers, reason and origin; redrive or discard. */
export function DeadLetterPage({ tenantId, sequence }: { tenantId?: string; sequence: number }) {
  const { api, session } = useConsole();
  const url = `${apiBase(tenantId)}/${sequence}`;
  const letter = useResource(() => api.get<DeadLetter>(url), [url]);
  const redrive = useAction(() => api.post<Redrive>(`${url}/redrive`));
  const [reason, setReason] = useState('');
  const discard = useAction(() => api.post<Discard>(`${url}/discard`, { reason }));
  const discardErrors = discard.error ? fieldErrorsOf(discard.error) : {};
  const writable = canWrite(session);
  const back = <Link to={paths.deadLetters(tenantId)}>Back to dead letters</Link>;

  if (redrive.result || discard.result) {
    return (
      <Page title={`Dead letter #${sequence} ${redrive.result ? 'redriven' : 'discarded'}`}>
        <div className="notice notice-success" role="status">
          {redrive.result ? (
            <p>
              {redrive.result.outcome === 'redriven' ? 'Published again' : 'Already published again by an earlier redrive (a duplicate stores nothing)'} to{' '}
              <code>{redrive.result.republished.subject}</code> in {redrive.result.republished.stream} (sequence {redrive.result.republished.sequence}). The dead letter
              is removed; its consumers handle the message again.
            </p>
          ) : (
            <p>Discarded with the reason “{discard.result?.reason}”. The reason is in the service log.</p>
          )}
        </div>
        <p>{back}</p>
      </Page>
    );
  }
  if (letter.error && !letter.data) {
    return (
      <Page title={`Dead letter #${sequence}`}>
        <ErrorMessage error={letter.error} />
        <p>{back}</p>
      </Page>
    );
  }
  const d = letter.data;
  if (!d) return <Loading what="the dead letter" />;

  const submitDiscard = async (e: FormEvent) => {
    e.preventDefault();
    await discard.run();
  };

  return (
    <Page title={`Dead letter #${d.sequence}`}>
      <p>{back}</p>
      <dl className="facts">
        <div>
          <dt>Reason</dt>
          <dd>
            {d.reason} (<code>{d.code}</code>)
          </dd>
        </div>
        <div>
          <dt>Consumer</dt>
          <dd>
            {d.consumer} ({d.service}), after {d.deliveries} deliver{d.deliveries === 1 ? 'y' : 'ies'}
          </dd>
        </div>
        <div>
          <dt>Original</dt>
          <dd>
            <code>{d.original.subject}</code> in {d.original.stream}, sequence {d.original.sequence}
          </dd>
        </div>
        <div>
          <dt>Event</dt>
          <dd>{d.eventType ? `${d.eventType} ${d.eventId ?? ''}` : 'not a CloudEvents envelope'}</dd>
        </div>
        <div>
          <dt>Tenant</dt>
          <dd>{d.tenantId ?? 'unknown'}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>{formatTime(d.failedAt ?? d.deadLetteredAt)}</dd>
        </div>
      </dl>

      <section aria-labelledby="payload">
        <h2 id="payload">Payload ({d.payload.encoding})</h2>
        <pre className="payload" tabIndex={0} aria-labelledby="payload">
          {d.payload.encoding === 'json' ? JSON.stringify(d.payload.json, null, 2) : d.payload.encoding === 'text' ? d.payload.text : d.payload.base64}
        </pre>
      </section>

      <section aria-labelledby="headers">
        <h2 id="headers">Headers</h2>
        {Object.keys(d.headers).length === 0 ? <p className="muted">The original message had no headers of its own.</p> : null}
        <div className="table-wrap" hidden={Object.keys(d.headers).length === 0}>
          <table>
            <caption className="visually-hidden">Headers of the original message</caption>
            <thead>
              <tr>
                <th scope="col">Header</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(d.headers).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>
                    <code>{v.join(', ')}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {writable ? (
        <>
          <section aria-labelledby="redrive">
            <h2 id="redrive">Redrive</h2>
            <p>Publishes the payload and headers again to the original subject, then removes the dead letter. Consumers that had handled the event skip it.</p>
            <ErrorMessage error={redrive.error} title="The dead letter was not redriven" />
            <button type="button" className="primary" onClick={() => void redrive.run()} disabled={redrive.pending}>
              {redrive.pending ? 'Redriving…' : 'Redrive'}
            </button>
          </section>
          <section aria-labelledby="discard">
            <h2 id="discard">Discard</h2>
            <ErrorSummary error={discard.error} fields={discardErrors} title="The dead letter was not discarded" />
            <form onSubmit={(e) => void submitDiscard(e)} noValidate className="narrow">
              <Field path="reason" label="Reason" hint="Why nobody needs this message (3 to 500 characters); logged with the dead letter." errors={messagesFor(discardErrors, 'reason')}>
                {(p) => <textarea {...p} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />}
              </Field>
              <button type="submit" className="danger" disabled={discard.pending}>
                Discard
              </button>
            </form>
          </section>
        </>
      ) : null}
    </Page>
  );
}
