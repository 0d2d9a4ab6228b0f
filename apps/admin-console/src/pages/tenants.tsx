import { type FormEvent, useState } from 'react';
import type { ApiKeySummary, Tenant } from '../api/types';
import { ErrorMessage, ErrorSummary, Field, Loading, Page, messagesFor, useConsole } from '../components';
import { useAction, useResource } from '../hooks';
import { Link, navigate } from '../router';
import { paths } from '../routes';
import { fieldErrorsOf } from '../api/client';
import { formatTime } from '../format';

/**
 * Operators pick the tenant they work on. The admin API has no list of tenants: the tenants that have API keys
 * are listed (from the key list), any other is opened by its ID, and a new one can be created here.
 */
export function TenantsPage() {
  const { api } = useConsole();
  const keys = useResource(async () => {
    const all = await api.get<ApiKeySummary[]>('/v1/api-keys');
    const ids = [...new Set(all.map((k) => k.tenantId).filter((t): t is string => Boolean(t)))];
    const tenants = await Promise.all(ids.map((id) => api.get<Tenant>(`/v1/tenants/${id}`).catch(() => undefined)));
    return tenants.filter((t): t is Tenant => Boolean(t));
  }, []);
  const [tenantId, setTenantId] = useState('');
  const open = useAction((id: string) => api.get<Tenant>(`/v1/tenants/${id.trim()}`));
  const [name, setName] = useState('');
  const [ownerEmail, setOwnerEmail] = useState('');
  const create = useAction(() => api.post<Tenant>('/v1/tenants', { name, ...(ownerEmail.trim() ? { ownerEmail } : {}) }));
  const createErrors = create.error ? fieldErrorsOf(create.error) : {};

  const submitOpen = async (e: FormEvent) => {
    e.preventDefault();
    const t = await open.run(tenantId);
    if (t) navigate(paths.directories(t.id));
  };
  const submitCreate = async (e: FormEvent) => {
    e.preventDefault();
    const t = await create.run();
    if (t) navigate(paths.directories(t.id));
  };

  return (
    <Page title="Tenants">
      <section aria-labelledby="known-tenants">
        <h2 id="known-tenants">Tenants with API keys</h2>
        <ErrorMessage error={keys.error} />
        {keys.loading && !keys.data ? <Loading what="tenants" /> : null}
        {keys.data?.length === 0 ? <p>No tenant has an API key yet. Open a tenant by its ID or create one below.</p> : null}
        {keys.data?.length ? (
          <ul className="plain-list">
            {keys.data.map((t) => (
              <li key={t.id}>
                <Link to={paths.directories(t.id)}>{t.name}</Link> <span className="muted">{t.id}</span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section aria-labelledby="open-tenant">
        <h2 id="open-tenant">Open a tenant by ID</h2>
        <form onSubmit={(e) => void submitOpen(e)} className="inline-form" noValidate>
          <Field path="openTenantId" label="Tenant ID">
            {(p) => <input {...p} type="text" value={tenantId} onChange={(e) => setTenantId(e.target.value)} autoComplete="off" spellCheck={false} />}
          </Field>
          <button type="submit" disabled={open.pending}>
            Open
          </button>
        </form>
        <ErrorMessage error={open.error} />
      </section>

      <section aria-labelledby="create-tenant">
        <h2 id="create-tenant">Create a tenant</h2>
        <ErrorSummary error={create.error} fields={createErrors} />
        <form onSubmit={(e) => void submitCreate(e)} noValidate className="narrow">
          <Field path="name" label="Name" errors={messagesFor(createErrors, 'name')}>
            {(p) => <input {...p} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field path="ownerEmail" label="Owner email (optional)" hint="The default owner of teams the runs create (R-TEN-02)." errors={messagesFor(createErrors, 'ownerEmail')}>
            {(p) => <input {...p} type="email" value={ownerEmail} onChange={(e) => setOwnerEmail(e.target.value)} />}
          </Field>
          <button type="submit" className="primary" disabled={create.pending}>
            Create tenant
          </button>
        </form>
        {create.result ? (
          <p role="status">
            Created {create.result.name} on {formatTime(create.result.createdAt)}.
          </p>
        ) : null}
      </section>
    </Page>
  );
}
