import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { type ApiError, fieldErrorsOf } from '../api/client';
import {
  CSV_STANDARD_LABELS,
  type Directory,
  type EventDirectory,
  HRIS_PROFILE_TARGETS,
  HRIS_SOURCE_FIELDS,
  type HrisDirectory,
  INBOUND_EVENT_TYPES,
  INBOUND_STREAM,
  type HrisSourceField,
  ORPHAN_POLICIES,
  type SftpDirectory,
  type TestConnectionResult,
  USERNAME_ATTRIBUTES,
  type UsersPage,
  WEEKDAYS,
  type Weekday,
} from '../api/types';
import { Checkbox, ErrorMessage, ErrorSummary, Field, Fieldset, LiveStatus, canWrite, messagesFor, useConsole } from '../components';
import {
  type EventForm,
  type EventPolicyForm,
  type HrisForm,
  type PolicyForm,
  type ScheduleForm,
  type SftpForm,
  emptyEventForm,
  emptyHrisForm,
  emptySftpForm,
  eventCreateBody,
  eventFormOf,
  eventPatchBody,
  fieldId,
  hrisCreateBody,
  hrisFormOf,
  hrisPatchBody,
  hrisTestBody,
  inboundSubjectsOf,
  recipientList,
  sftpCreateBody,
  sftpFormOf,
  sftpPatchBody,
  sftpTestBody,
} from '../directory-form.model';
import { useAction, useResource } from '../hooks';
import { personName } from '../format';

type Errors = Record<string, string[]>;

interface FormProps<D> {
  tenantId: string;
  /** The saved directory when editing; absent when creating. */
  directory?: D;
  onSaved: (d: Directory) => void;
}

/** Create or edit an sftp-csv directory. */
export function SftpDirectoryForm({ tenantId, directory, onSaved }: FormProps<SftpDirectory>) {
  const { api, session } = useConsole();
  const [form, setForm] = useState<SftpForm>(() => (directory ? sftpFormOf(directory) : emptySftpForm()));
  const set = <K extends keyof SftpForm>(key: K, value: SftpForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const path = `/v1/tenants/${tenantId}/directories`;
  const { save, errors, submit } = useDirectorySave(tenantId, directory, onSaved, () => sftpPatchBody(form), () => sftpCreateBody(form));
  // A saved directory whose secrets were not retyped is tested with what is stored.
  const testsSaved = Boolean(directory && !form.password && !form.privateKey.trim());
  const test = useAction(() =>
    testsSaved && directory ? api.post<TestConnectionResult>(`${path}/${directory.id}/test`) : api.post<TestConnectionResult>(`${path}/test`, sftpTestBody(form)),
  );
  const writable = canWrite(session);

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={directory ? `Settings of ${directory.name}` : 'New SFTP directory'}>
      <ErrorSummary error={save.error} fields={errors} title={directory ? 'Your changes were not saved' : 'The directory was not created'} />
      <TextField path="name" label="Name" value={form.name} onChange={(v) => set('name', v)} errors={errors} />

      <Fieldset legend="SFTP server">
        <div className="row">
          <TextField path="sftp.host" label="Host" value={form.host} onChange={(v) => set('host', v)} errors={errors} />
          <TextField path="sftp.port" label="Port" value={form.port} onChange={(v) => set('port', v)} errors={errors} inputMode="numeric" narrow />
        </div>
        <TextField path="sftp.username" label="User" value={form.username} onChange={(v) => set('username', v)} errors={errors} autoComplete="off" />
        <TextField
          path="sftp.password"
          label="Password"
          type="password"
          autoComplete="new-password"
          value={form.password}
          onChange={(v) => set('password', v)}
          errors={errors}
          hint={directory?.sftp.hasPassword ? 'A password is saved and never shown. Leave blank to keep it; type a new one to replace it.' : 'A password, a private key, or both.'}
        />
        {directory?.sftp.hasPassword ? (
          <Checkbox path="sftp.removePassword" label="Remove the saved password (the private key remains)" checked={form.removePassword} onChange={(v) => set('removePassword', v)} />
        ) : null}
        <Field
          path="sftp.privateKey"
          label="Private key"
          hint={directory?.sftp.hasPrivateKey ? 'A private key is saved and never shown. Leave blank to keep it.' : 'OpenSSH or PEM, unencrypted (optional when a password is given).'}
          errors={messagesFor(errors, 'sftp.privateKey')}
        >
          {(p) => <textarea {...p} rows={3} spellCheck={false} autoComplete="off" value={form.privateKey} onChange={(e) => set('privateKey', e.target.value)} />}
        </Field>
        {directory?.sftp.hasPrivateKey ? (
          <Checkbox path="sftp.removePrivateKey" label="Remove the saved private key (the password remains)" checked={form.removePrivateKey} onChange={(v) => set('removePrivateKey', v)} />
        ) : null}
        <TextField path="sftp.folder" label="Folder" hint="Absolute path where HR drops users*.csv (or its local/ folder)." value={form.folder} onChange={(v) => set('folder', v)} errors={errors} />
        <TextField
          path="sftp.hostKeyFingerprint"
          label="Host key fingerprint"
          hint="The server's SHA-256 key fingerprint, pinned: Roster refuses a server presenting another key. Test the connection to read it."
          value={form.hostKeyFingerprint}
          onChange={(v) => set('hostKeyFingerprint', v)}
          errors={errors}
          spellCheck={false}
        />
        <div className="test-connection">
          <button type="button" onClick={() => void test.run()} disabled={test.pending}>
            {test.pending ? 'Testing…' : 'Test connection'}
          </button>
          <span className="hint">{testsSaved ? 'Tests the saved settings.' : 'Tests the settings in this form (nothing is saved).'}</span>
          <TestResult
            result={test.result}
            error={test.error}
            pinned={form.hostKeyFingerprint.trim()}
            onPin={(fp) => set('hostKeyFingerprint', fp)}
          />
        </div>
      </Fieldset>

      <Fieldset legend="File">
        <Field path="dateFormat" label="Date format" errors={messagesFor(errors, 'dateFormat')}>
          {(p) => (
            <select {...p} value={form.dateFormat} onChange={(e) => set('dateFormat', e.target.value as SftpForm['dateFormat'])}>
              <option value="dd/mm/yyyy">dd/mm/yyyy</option>
              <option value="mm/dd/yyyy">mm/dd/yyyy</option>
            </select>
          )}
        </Field>
        <HeaderMappingEditor rows={form.headerMapping} onChange={(rows) => set('headerMapping', rows)} errors={messagesFor(errors, 'headerMapping', true)} />
      </Fieldset>

      <CommonFields tenantId={tenantId} form={form} onChange={(patch) => setForm((f) => ({ ...f, ...patch }))} errors={errors} />

      {writable ? (
        <button type="submit" className="primary" disabled={save.pending}>
          {save.pending ? 'Saving…' : directory ? 'Save changes' : 'Create directory'}
        </button>
      ) : (
        <p className="muted">This key can only read: the settings cannot be changed.</p>
      )}
    </form>
  );
}

/** Create or edit an hris-api directory (the unified HRIS bridge). */
export function HrisDirectoryForm({ tenantId, directory, onSaved }: FormProps<HrisDirectory>) {
  const { api, session } = useConsole();
  const [form, setForm] = useState<HrisForm>(() => (directory ? hrisFormOf(directory) : emptyHrisForm()));
  const set = <K extends keyof HrisForm>(key: K, value: HrisForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setPolicy = <K extends keyof PolicyForm>(key: K, value: PolicyForm[K]) => setForm((f) => ({ ...f, policy: { ...f.policy, [key]: value } }));
  const path = `/v1/tenants/${tenantId}/directories`;
  const { save, errors, submit } = useDirectorySave(tenantId, directory, onSaved, () => hrisPatchBody(form), () => hrisCreateBody(form));
  const testsSaved = Boolean(directory && !form.accountToken);
  const test = useAction(() =>
    testsSaved && directory ? api.post<TestConnectionResult>(`${path}/${directory.id}/test`) : api.post<TestConnectionResult>(`${path}/test`, hrisTestBody(form)),
  );
  const writable = canWrite(session);
  const p = form.policy;

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={directory ? `Settings of ${directory.name}` : 'New HR-API directory'}>
      <ErrorSummary error={save.error} fields={errors} title={directory ? 'Your changes were not saved' : 'The directory was not created'} />
      <TextField path="name" label="Name" value={form.name} onChange={(v) => set('name', v)} errors={errors} />

      <Fieldset legend="HR system connection" hint="Through the unified HRIS bridge (provider: merge).">
        <TextField path="hris.baseUrl" label="Base URL" hint="The bridge's API URL including /api, over https." value={form.baseUrl} onChange={(v) => set('baseUrl', v)} errors={errors} spellCheck={false} />
        <TextField
          path="hris.accountToken"
          label="Account token"
          type="password"
          autoComplete="new-password"
          hint={directory?.hris.hasAccountToken ? 'A token is saved and never shown. Leave blank to keep it; type a new one to replace it.' : 'The linked HR account’s token.'}
          value={form.accountToken}
          onChange={(v) => set('accountToken', v)}
          errors={errors}
        />
        <TextField path="hris.pageSize" label="Page size" hint="Employees per request, 1 to 100." value={form.pageSize} onChange={(v) => set('pageSize', v)} errors={errors} inputMode="numeric" narrow />
        <div className="test-connection">
          <button type="button" onClick={() => void test.run()} disabled={test.pending}>
            {test.pending ? 'Testing…' : 'Test connection'}
          </button>
          <span className="hint">{testsSaved ? 'Tests the saved settings.' : 'Tests the base URL and token in this form (nothing is saved).'}</span>
          <TestResult result={test.result} error={test.error} />
        </div>
      </Fieldset>

      <FieldMappingsEditor rows={form.fieldMappings} onChange={(rows) => set('fieldMappings', rows)} errors={messagesFor(errors, 'hris.fieldMappings', true)} />

      <Fieldset legend="Sync policy">
        <Field path="policy.usernameAttribute" label="Match users by" errors={messagesFor(errors, 'policy.usernameAttribute')}>
          {(props) => (
            <select {...props} value={p.usernameAttribute} onChange={(e) => setPolicy('usernameAttribute', e.target.value as PolicyForm['usernameAttribute'])}>
              {USERNAME_ATTRIBUTES.map((a) => (
                <option key={a} value={a}>
                  {{ workEmail: 'Work email', personalEmail: 'Personal email', employeeNumber: 'Employee number' }[a]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Checkbox path="policy.activateUsers" label="Activate new and restored users during the sync" checked={p.activateUsers} onChange={(v) => setPolicy('activateUsers', v)} />
        <Field path="policy.orphans" label="Users gone from the HR system" hint="Applied only after a complete fetch." errors={messagesFor(errors, 'policy.orphans')}>
          {(props) => (
            <select {...props} value={p.orphans} onChange={(e) => setPolicy('orphans', e.target.value as PolicyForm['orphans'])}>
              {ORPHAN_POLICIES.map((o) => (
                <option key={o} value={o}>
                  {{ ignore: 'Leave them as they are', deactivate: 'Deactivate them', delete: 'Delete them' }[o]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Checkbox path="policy.restore" label="Restore deactivated or deleted users who reappear" checked={p.restore} onChange={(v) => setPolicy('restore', v)} />
        <GroupPolicyFields policy={p} setPolicy={setPolicy} synchronizeLabel="Synchronize the HR system's groups" />
        <div className="row">
          <TextField
            path="policy.safeguard.count"
            label="Hold a run removing more than (users)"
            value={p.safeguardCount}
            onChange={(v) => setPolicy('safeguardCount', v)}
            errors={errors}
            inputMode="numeric"
            narrow
          />
          <TextField
            path="policy.safeguard.percent"
            label="or more than (% of the directory)"
            value={p.safeguardPercent}
            onChange={(v) => setPolicy('safeguardPercent', v)}
            errors={errors}
            inputMode="decimal"
            narrow
          />
        </div>
        <p className="hint">A held run waits for an admin to approve or reject it; 0 users holds any removal.</p>
      </Fieldset>

      <CommonFields tenantId={tenantId} form={form} onChange={(patch) => setForm((f) => ({ ...f, ...patch }))} errors={errors} />

      {writable ? (
        <button type="submit" className="primary" disabled={save.pending}>
          {save.pending ? 'Saving…' : directory ? 'Save changes' : 'Create directory'}
        </button>
      ) : (
        <p className="muted">This key can only read: the settings cannot be changed.</p>
      )}
    </form>
  );
}

/** Create or edit an event directory (R-EVT-02): services publish its employee events; each micro-batch is a run. */
export function EventDirectoryForm({ tenantId, directory, onSaved }: FormProps<EventDirectory>) {
  const { session } = useConsole();
  const [form, setForm] = useState<EventForm>(() => (directory ? eventFormOf(directory) : emptyEventForm()));
  const set = <K extends keyof EventForm>(key: K, value: EventForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setPolicy = <K extends keyof EventPolicyForm>(key: K, value: EventPolicyForm[K]) => setForm((f) => ({ ...f, policy: { ...f.policy, [key]: value } }));
  const { save, errors, submit } = useDirectorySave(tenantId, directory, onSaved, () => eventPatchBody(form), () => eventCreateBody(form));
  const writable = canWrite(session);
  const p = form.policy;

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label={directory ? `Settings of ${directory.name}` : 'New event directory'}>
      <ErrorSummary error={save.error} fields={errors} title={directory ? 'Your changes were not saved' : 'The directory was not created'} />
      <TextField path="name" label="Name" value={form.name} onChange={(v) => set('name', v)} errors={errors} />

      {directory ? null : <InboundSubjects tenantId={tenantId} />}

      <Fieldset
        legend="Sync policy"
        hint="Events are matched to users by work email. A batch of events is not a full list of employees: nobody missing from it is deactivated or deleted, so no run waits for approval."
      >
        <Checkbox path="policy.activateUsers" label="Activate new and restored users" checked={p.activateUsers} onChange={(v) => setPolicy('activateUsers', v)} />
        <Checkbox path="policy.restore" label="Restore deactivated or deleted users who appear in an event again" checked={p.restore} onChange={(v) => setPolicy('restore', v)} />
        <GroupPolicyFields policy={p} setPolicy={setPolicy} synchronizeLabel="Synchronize the groups the events carry" />
        <PolicyErrors errors={errors} />
      </Fieldset>

      <CommonFields
        tenantId={tenantId}
        form={form}
        onChange={(patch) => setForm((f) => ({ ...f, ...patch }))}
        errors={errors}
        recipientsHint="Users of the tenant, separated by commas. Event runs mail no report (one per batch of events would flood them); the addresses are kept with the directory."
        enabledLabel="Enabled (events for a disabled directory are refused and dead-lettered)"
      />

      {writable ? (
        <button type="submit" className="primary" disabled={save.pending}>
          {save.pending ? 'Saving…' : directory ? 'Save changes' : 'Create directory'}
        </button>
      ) : (
        <p className="muted">This key can only read: the settings cannot be changed.</p>
      )}
    </form>
  );
}

/** The API's messages about policy fields (checkboxes carry none of their own). */
function PolicyErrors({ errors }: { errors: Errors }) {
  const entries = Object.entries(errors).filter(([path]) => path === 'policy' || path.startsWith('policy.'));
  if (!entries.length) return null;
  return (
    <p className="field-error" id={fieldId('policy')}>
      {entries.map(([path, messages]) => (
        <span key={path}>
          {path}: {messages.join(' ')}
        </span>
      ))}
    </p>
  );
}

/**
 * R-EVT-02: where a service sends this tenant's employee events, and what it sends (libs/contracts inbound.ts):
 * CloudEvents JSON on ROSTER_INBOUND, the directory's id in the data, the event id the idempotency key.
 */
export function InboundSubjects({ tenantId, directory }: { tenantId: string; directory?: EventDirectory }) {
  // A saved directory's view names its subjects; before it exists they follow from the contract's templates.
  const subjects = directory?.inbound ?? inboundSubjectsOf(tenantId);
  const directoryId = directory ? <code>{directory.id}</code> : <>the directory’s ID (shown once it is created)</>;
  return (
    <section className="inbound" aria-labelledby="inbound-subjects">
      <h2 id="inbound-subjects">Where services publish</h2>
      <p>
        Internal services publish CloudEvents (JSON, <code>tenantid</code> = this tenant) on the stream <code>{INBOUND_STREAM}</code>, with {directoryId} as{' '}
        <code>directoryId</code> in the data. The event’s <code>id</code> makes it count once, however often it is sent within 8 days (the same id sent later counts again).
      </p>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Inbound subjects of this directory</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Subject</th>
              <th scope="col">CloudEvents type</th>
              <th scope="col">Data</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">Employee created or changed</th>
              <td>
                <code>{subjects.upserted}</code>
              </td>
              <td>
                <code>{INBOUND_EVENT_TYPES.upserted}</code>
              </td>
              <td>
                <code>{'{ directoryId, employee: { email, … } }'}</code>
              </td>
            </tr>
            <tr>
              <th scope="row">Employee terminated</th>
              <td>
                <code>{subjects.terminated}</code>
              </td>
              <td>
                <code>{INBOUND_EVENT_TYPES.terminated}</code>
              </td>
              <td>
                <code>{'{ directoryId, email, externalId?, terminationDate }'}</code>
              </td>
            </tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}

type CommonForm = Pick<SftpForm, 'recipients' | 'enabled'> & { schedule?: ScheduleForm };

const RECIPIENTS_HINT = 'Users of the tenant who get a report after each run, separated by commas. A new tenant has no users yet: add recipients after a first run.';

/** Recipients, the schedule (for types that have one) and the enabled switch, which every type has. */
function CommonFields({
  tenantId,
  form,
  onChange,
  errors,
  recipientsHint = RECIPIENTS_HINT,
  enabledLabel = 'Enabled (a disabled directory starts no run)',
}: {
  tenantId: string;
  form: CommonForm;
  onChange: (patch: Partial<CommonForm>) => void;
  errors: Errors;
  recipientsHint?: string;
  enabledLabel?: string;
}) {
  const set = <K extends keyof CommonForm>(key: K, value: CommonForm[K]) => onChange({ [key]: value } as Partial<CommonForm>);
  return (
    <>
      <Fieldset legend="Run reports">
        <Field path="recipients" label="Recipients" hint={recipientsHint} errors={messagesFor(errors, 'recipients', true)}>
          {(p) => <textarea {...p} rows={2} value={form.recipients} onChange={(e) => set('recipients', e.target.value)} />}
        </Field>
        <RecipientPicker tenantId={tenantId} chosen={recipientList(form.recipients)} onPick={(email) => set('recipients', addRecipient(form.recipients, email))} />
      </Fieldset>
      {form.schedule ? <ScheduleFields value={form.schedule} onChange={(s) => set('schedule', s)} errors={errors} /> : null}
      <Checkbox path="enabled" label={enabledLabel} checked={form.enabled} onChange={(v) => set('enabled', v)} />
    </>
  );
}

function ScheduleFields({ value, onChange, errors }: { value: ScheduleForm; onChange: (s: ScheduleForm) => void; errors: Errors }) {
  const set = <K extends keyof ScheduleForm>(k: K, v: ScheduleForm[K]) => onChange({ ...value, [k]: v });
  const zone = (
    <TextField path="schedule.timeZone" label="Time zone" hint="An IANA time zone such as Europe/Paris or UTC." value={value.timeZone} onChange={(v) => set('timeZone', v)} errors={errors} />
  );
  return (
    <Fieldset legend="Schedule">
      <Field path="schedule.kind" label="When it runs by itself" errors={messagesFor(errors, 'schedule.kind').concat(messagesFor(errors, 'schedule'))}>
        {(p) => (
          <select {...p} value={value.kind} onChange={(e) => set('kind', e.target.value as ScheduleForm['kind'])}>
            <option value="disabled">Never (manual runs only)</option>
            <option value="every">Every few hours</option>
            <option value="daily">Daily</option>
            <option value="weekly">Weekly</option>
            <option value="cron">Cron expression</option>
          </select>
        )}
      </Field>
      {value.kind === 'every' ? <TextField path="schedule.hours" label="Every (hours)" value={value.hours} onChange={(v) => set('hours', v)} errors={errors} inputMode="numeric" narrow /> : null}
      {value.kind === 'weekly' ? (
        <Field path="schedule.day" label="Day" errors={messagesFor(errors, 'schedule.day')}>
          {(p) => (
            <select {...p} value={value.day} onChange={(e) => set('day', e.target.value as Weekday)}>
              {WEEKDAYS.map((d) => (
                <option key={d} value={d}>
                  {d[0].toUpperCase() + d.slice(1)}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      {value.kind === 'daily' || value.kind === 'weekly' ? (
        <>
          <TextField path="schedule.time" label="Time (HH:MM, 24 h)" value={value.time} onChange={(v) => set('time', v)} errors={errors} narrow />
          {zone}
        </>
      ) : null}
      {value.kind === 'cron' ? (
        <>
          <TextField path="schedule.expression" label="Cron expression" hint="5 fields, or 6 with seconds first." value={value.expression} onChange={(v) => set('expression', v)} errors={errors} spellCheck={false} />
          {zone}
        </>
      ) : null}
    </Fieldset>
  );
}

function HeaderMappingEditor({ rows, onChange, errors }: { rows: SftpForm['headerMapping']; onChange: (r: SftpForm['headerMapping']) => void; errors: string[] }) {
  const update = (i: number, patch: Partial<SftpForm['headerMapping'][number]>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className={`field${errors.length ? ' field-invalid' : ''}`} id={fieldId('headerMapping')} tabIndex={-1}>
      <p className="label" id="header-mapping-label">
        Header mapping
      </p>
      <p className="hint">When the file’s column labels differ from Roster’s standard labels, map each one here.</p>
      {errors.length ? (
        <p className="field-error">
          {errors.map((e, i) => (
            <span key={i}>{e}</span>
          ))}
        </p>
      ) : null}
      {rows.length ? (
        <table className="editor" aria-labelledby="header-mapping-label">
          <thead>
            <tr>
              <th scope="col">Label in the file</th>
              <th scope="col">Standard label</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td>
                  <input type="text" aria-label={`Label in the file, mapping ${i + 1}`} value={r.from} onChange={(e) => update(i, { from: e.target.value })} />
                </td>
                <td>
                  <select aria-label={`Standard label, mapping ${i + 1}`} value={r.to} onChange={(e) => update(i, { to: e.target.value })}>
                    <option value="">Choose…</option>
                    {CSV_STANDARD_LABELS.map((l) => (
                      <option key={l} value={l}>
                        {l}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <button type="button" className="link-button" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove mapping ${i + 1}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <button type="button" onClick={() => onChange([...rows, { from: '', to: '' }])}>
        Add a header mapping
      </button>
    </div>
  );
}

function FieldMappingsEditor({ rows, onChange, errors }: { rows: HrisForm['fieldMappings']; onChange: (r: HrisForm['fieldMappings']) => void; errors: string[] }) {
  const update = (i: number, patch: Partial<HrisForm['fieldMappings'][number]>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Fieldset legend="Optional fields" hint="Switch on the HR system's optional fields and say where each goes: a profile field or a custom field of that label.">
      <div className={errors.length ? 'field-invalid' : undefined} id={fieldId('hris.fieldMappings')} tabIndex={-1}>
        {errors.length ? (
          <p className="field-error">
            {errors.map((e, i) => (
              <span key={i}>{e}</span>
            ))}
          </p>
        ) : null}
        {rows.length ? (
          <table className="editor">
            <caption className="visually-hidden">Optional field mappings</caption>
            <thead>
              <tr>
                <th scope="col">HR field</th>
                <th scope="col">Roster field</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  <td>
                    <select aria-label={`HR field, mapping ${i + 1}`} value={r.source} onChange={(e) => update(i, { source: e.target.value as HrisSourceField })}>
                      <option value="">Choose…</option>
                      {HRIS_SOURCE_FIELDS.map((s) => (
                        <option key={s} value={s}>
                          {s}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input type="text" list="profile-targets" aria-label={`Roster field, mapping ${i + 1}`} value={r.target} onChange={(e) => update(i, { target: e.target.value })} />
                  </td>
                  <td>
                    <button type="button" className="link-button" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`Remove mapping ${i + 1}`}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <datalist id="profile-targets">
          {HRIS_PROFILE_TARGETS.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <button type="button" onClick={() => onChange([...rows, { source: '', target: '' }])}>
          Add an optional field
        </button>
      </div>
    </Fieldset>
  );
}

/** The outcome of "Test connection": ok or the precise reason, and for SFTP the host key to pin. */
function TestResult({
  result,
  error,
  pinned,
  onPin,
}: {
  result: TestConnectionResult | undefined;
  error: ApiError | undefined;
  pinned?: string;
  onPin?: (fingerprint: string) => void;
}) {
  let body: ReactNode = null;
  if (error) {
    const fields = fieldErrorsOf(error);
    body = (
      <div className="notice notice-error">
        <p>The test could not run: {error.message}</p>
        {Object.keys(fields).length ? (
          <ul>
            {Object.entries(fields).map(([path, messages]) => (
              <li key={path}>
                <span className="path">{path}</span>: {messages.join(' ')}
              </li>
            ))}
          </ul>
        ) : null}
        <p className="code">
          Error code: <code>{error.code}</code>
        </p>
      </div>
    );
  } else if (result) {
    const key = result.hostKeyFingerprint ?? undefined;
    body = (
      <div className={`notice ${result.ok ? 'notice-success' : 'notice-error'}`}>
        <p>
          {result.ok ? 'Connection works.' : 'Connection failed.'}
          {result.message ? ` ${result.message}` : ''}
          {result.integration ? ` Connected to ${result.integration}.` : ''}
        </p>
        {result.code ? (
          <p className="code">
            Code: <code>{result.code}</code>
          </p>
        ) : null}
        {key ? (
          <p>
            The server’s host key: <code className="fingerprint">{key}</code>
            {key === pinned ? ' (pinned)' : ''}
          </p>
        ) : null}
        {key && onPin && key !== pinned ? (
          <>
            {result.code === 'HOST_KEY_MISMATCH' ? <p>The server presents another key than the pinned one. Pin the new key only if you know why it changed.</p> : null}
            <button type="button" onClick={() => onPin(key)}>
              Pin this host key
            </button>
          </>
        ) : null}
      </div>
    );
  }
  return (
    <div role="status" aria-live="polite" className="test-result">
      {body}
    </div>
  );
}

interface TextFieldProps {
  path: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  errors: Errors;
  hint?: string;
  type?: 'text' | 'password' | 'email';
  autoComplete?: string;
  inputMode?: 'numeric' | 'decimal';
  spellCheck?: boolean;
  narrow?: boolean;
}

function TextField({ path, label, value, onChange, errors, hint, type = 'text', autoComplete, inputMode, spellCheck, narrow }: TextFieldProps) {
  return (
    <Field path={path} label={label} hint={hint} errors={messagesFor(errors, path)}>
      {(p) => (
        <input
          {...p}
          type={type}
          className={narrow ? 'narrow-input' : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          autoComplete={autoComplete}
          inputMode={inputMode}
          spellCheck={spellCheck}
        />
      )}
    </Field>
  );
}

/** The recipients text with one more address (comma-separated), unless it is there already. */
export function addRecipient(text: string, email: string): string {
  const list = recipientList(text);
  if (list.some((r) => r.toLowerCase() === email.toLowerCase())) return text;
  return [...list, email].join(', ');
}

/**
 * Recipients must be users of the tenant: a search of the users (by email or name) offers them, one click adds
 * one to the text, which stays free to edit. Asks the users API once typing pauses.
 */
function RecipientPicker({ tenantId, chosen, onPick }: { tenantId: string; chosen: string[]; onPick: (email: string) => void }) {
  const { api } = useConsole();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 250);
    return () => clearTimeout(timer);
  }, [text]);
  const found = useResource(
    () => (q ? api.get<UsersPage>(`/v1/tenants/${tenantId}/users?${new URLSearchParams({ q, status: 'active', limit: '8' }).toString()}`) : Promise.resolve(undefined)),
    [tenantId, q],
  );
  const taken = new Set(chosen.map((c) => c.toLowerCase()));
  const users = q ? (found.data?.users ?? []) : [];
  return (
    <div className="picker">
      <Field path="recipients.search" label="Find a user to add" hint="Type the start of a name or an email.">
        {(p) => (
          <input
            {...p}
            type="search"
            spellCheck={false}
            autoComplete="off"
            value={text}
            onChange={(e) => setText(e.target.value)}
            // Enter searches here; it must not submit the directory form around it.
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                setQ(text.trim());
              }
            }}
          />
        )}
      </Field>
      <ErrorMessage error={q ? found.error : undefined} />
      <LiveStatus>{q && found.data ? (users.length ? `${users.length} user${users.length === 1 ? '' : 's'} found.` : 'No active user matches.') : ''}</LiveStatus>
      {users.length ? (
        <ul className="picker-results" aria-label="Users found">
          {users.map((u) => (
            <li key={u.userId}>
              <button type="button" onClick={() => onPick(u.email)} disabled={taken.has(u.email.toLowerCase())}>
                {taken.has(u.email.toLowerCase()) ? 'Added: ' : 'Add '}
                {personName(u) ? `${personName(u)} (${u.email})` : u.email}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

type GroupPolicyKey = 'synchronizeGroups' | 'preserveGroups' | 'removeLocalGroups' | 'removeOtherDirectoryGroups';

/** R-API-08 / R-API-09: the group settings, the same for HR-API and event directories (only the first label differs). */
function GroupPolicyFields({
  policy: p,
  setPolicy,
  synchronizeLabel,
}: {
  policy: Pick<PolicyForm, GroupPolicyKey>;
  setPolicy: (key: GroupPolicyKey, value: boolean) => void;
  synchronizeLabel: string;
}) {
  return (
    <>
      <Checkbox path="policy.synchronizeGroups" label={synchronizeLabel} checked={p.synchronizeGroups} onChange={(v) => setPolicy('synchronizeGroups', v)} />
      <Checkbox
        path="policy.preserveGroups"
        label="Keep groups synced earlier when group sync is off"
        checked={p.preserveGroups}
        onChange={(v) => setPolicy('preserveGroups', v)}
        disabled={p.synchronizeGroups}
      />
      <Checkbox path="policy.removeLocalGroups" label="Take synced users out of local groups" checked={p.removeLocalGroups} onChange={(v) => setPolicy('removeLocalGroups', v)} />
      <Checkbox
        path="policy.removeOtherDirectoryGroups"
        label="Take synced users out of other directories' groups"
        checked={p.removeOtherDirectoryGroups}
        onChange={(v) => setPolicy('removeOtherDirectoryGroups', v)}
      />
    </>
  );
}

/**
 * Saving a directory form, the same for every type: PATCH the directory or POST a new one, the API's field errors
 * for the form, and the submit handler that calls `onSaved` with what the API stored.
 */
function useDirectorySave(tenantId: string, directory: Directory | undefined, onSaved: (saved: Directory) => void, patchBody: () => unknown, createBody: () => unknown) {
  const { api } = useConsole();
  const path = `/v1/tenants/${tenantId}/directories`;
  const save = useAction(() => (directory ? api.patch<Directory>(`${path}/${directory.id}`, patchBody()) : api.post<Directory>(path, createBody())));
  const errors: Errors = save.error ? fieldErrorsOf(save.error) : {};
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const saved = await save.run();
    if (saved) onSaved(saved);
  };
  return { save, errors, submit };
}
