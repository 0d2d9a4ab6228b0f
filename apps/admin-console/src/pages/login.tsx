import { type FormEvent, useState } from 'react';
import type { ApiClient } from '../api/client';
import { type Session, discoverSession } from '../api/session';
import type { Tenant } from '../api/types';
import { ErrorMessage, Field, Page } from '../components';
import { useAction } from '../hooks';

export function LoginPage({
  api,
  reason,
  signedIn,
  onSignedIn,
}: {
  api: ApiClient;
  reason?: string;
  signedIn: Session | null;
  onSignedIn: (session: Session, tenant: Tenant | null) => void;
}) {
  const [apiKey, setApiKey] = useState('');
  const [tenantId, setTenantId] = useState('');
  const signIn = useAction(() => discoverSession(api, apiKey, tenantId));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const result = await signIn.run();
    if (result) onSignedIn(result.session, result.tenant);
  };

  return (
    <Page title="Sign in">
      <div className="narrow">
        {reason ? (
          <p className="notice notice-info" role="status">
            {reason}
          </p>
        ) : null}
        {signedIn ? <p className="notice notice-info">You are signed in; signing in again replaces the key this tab uses.</p> : null}
        <p>
          Paste an admin API key. Operators have the key from <code>ROSTER_API_KEY</code> or one issued with <code>POST /v1/api-keys</code>; a
          tenant admin has a key for one tenant, which opens that tenant. The key stays in this browser tab only and is forgotten when the tab closes.
        </p>
        <ErrorMessage error={signIn.error} title="You are not signed in" />
        <form onSubmit={(e) => void submit(e)} noValidate>
          <Field path="apiKey" label="API key">
            {(p) => (
              <input {...p} type="password" autoComplete="off" spellCheck={false} value={apiKey} onChange={(e) => setApiKey(e.target.value)} required />
            )}
          </Field>
          <Field
            path="tenantId"
            label="Tenant ID (optional)"
            hint="An operator opens this tenant at once (or picks one after signing in). A tenant-admin or read-only key needs none: it opens its own tenant."
          >
            {(p) => <input {...p} type="text" autoComplete="off" spellCheck={false} value={tenantId} onChange={(e) => setTenantId(e.target.value)} />}
          </Field>
          <button type="submit" className="primary" disabled={signIn.pending}>
            {signIn.pending ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </Page>
  );
}
