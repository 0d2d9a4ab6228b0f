import { type EventDirectory, type HrisDirectory, type HrisSourceField, INBOUND_SUBJECTS, type Policy, type Schedule, type SftpDirectory, type Weekday } from './api/types';

/**
 * The directory forms' state and how it becomes an admin API body. The console checks nothing the API checks:
 * what the admin typed goes to the API as it is (a port that is not a number is sent as text), and the API's
 * own messages come back onto the fields (`fieldErrorsOf`). Secrets are write-only: blank means "keep".
 */

export interface ScheduleForm {
  kind: Schedule['kind'];
  hours: string;
  time: string;
  timeZone: string;
  day: Weekday;
  expression: string;
}

export interface SftpForm {
  name: string;
  host: string;
  port: string;
  username: string;
  /** Write-only: blank keeps the stored password. */
  password: string;
  removePassword: boolean;
  privateKey: string;
  removePrivateKey: boolean;
  folder: string;
  hostKeyFingerprint: string;
  dateFormat: 'dd/mm/yyyy' | 'mm/dd/yyyy';
  headerMapping: { from: string; to: string }[];
  recipients: string;
  schedule: ScheduleForm;
  enabled: boolean;
}

export interface PolicyForm extends Omit<Policy, 'safeguard'> {
  safeguardCount: string;
  safeguardPercent: string;
}

export interface HrisForm {
  name: string;
  baseUrl: string;
  /** Write-only: blank keeps the stored token. */
  accountToken: string;
  pageSize: string;
  fieldMappings: { source: HrisSourceField | ''; target: string }[];
  policy: PolicyForm;
  recipients: string;
  schedule: ScheduleForm;
  enabled: boolean;
}

export const DEFAULT_SCHEDULE_FORM: ScheduleForm = { kind: 'daily', hours: '24', time: '02:00', timeZone: 'UTC', day: 'monday', expression: '0 2 * * *' };

export function scheduleForm(s: Schedule): ScheduleForm {
  const form = { ...DEFAULT_SCHEDULE_FORM, kind: s.kind };
  if (s.kind === 'every') form.hours = String(s.hours);
  if (s.kind === 'daily' || s.kind === 'weekly') Object.assign(form, { time: s.time, timeZone: s.timeZone });
  if (s.kind === 'weekly') form.day = s.day;
  if (s.kind === 'cron') Object.assign(form, { expression: s.expression, timeZone: s.timeZone });
  return form;
}

/** A number when the text is one, otherwise the text itself, so the API's message says what is wrong with it. */
export function numberOrText(value: string): number | string {
  const t = value.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

export function scheduleBody(f: ScheduleForm): Record<string, unknown> {
  switch (f.kind) {
    case 'disabled':
      return { kind: 'disabled' };
    case 'every':
      return { kind: 'every', hours: numberOrText(f.hours) };
    case 'daily':
      return { kind: 'daily', time: f.time.trim(), timeZone: f.timeZone.trim() };
    case 'weekly':
      return { kind: 'weekly', day: f.day, time: f.time.trim(), timeZone: f.timeZone.trim() };
    case 'cron':
      return { kind: 'cron', expression: f.expression.trim(), timeZone: f.timeZone.trim() };
  }
}

/** Addresses separated by commas, semicolons, spaces or lines. */
export function recipientList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((r) => r.trim())
    .filter(Boolean);
}

export function emptySftpForm(): SftpForm {
  return {
    name: '',
    host: '',
    port: '22',
    username: '',
    password: '',
    removePassword: false,
    privateKey: '',
    removePrivateKey: false,
    folder: '/',
    hostKeyFingerprint: '',
    dateFormat: 'dd/mm/yyyy',
    headerMapping: [],
    recipients: '',
    schedule: { ...DEFAULT_SCHEDULE_FORM },
    enabled: true,
  };
}

export function sftpFormOf(d: SftpDirectory): SftpForm {
  return {
    ...emptySftpForm(),
    name: d.name,
    host: d.sftp.host,
    port: String(d.sftp.port),
    username: d.sftp.username,
    folder: d.sftp.folder,
    hostKeyFingerprint: d.sftp.hostKeyFingerprint,
    dateFormat: d.dateFormat,
    headerMapping: Object.entries(d.headerMapping).map(([from, to]) => ({ from, to })),
    recipients: d.recipients.join(', '),
    schedule: scheduleForm(d.schedule),
    enabled: d.enabled,
  };
}

const headerMappingBody = (rows: SftpForm['headerMapping']) =>
  Object.fromEntries(rows.filter((r) => r.from.trim() || r.to.trim()).map((r) => [r.from.trim(), r.to]));

/** POST /v1/tenants/{t}/directories for an sftp-csv directory. */
export function sftpCreateBody(f: SftpForm): Record<string, unknown> {
  return {
    name: f.name,
    type: 'sftp-csv',
    sftp: {
      host: f.host,
      port: f.port.trim() === '' ? 22 : numberOrText(f.port),
      username: f.username,
      ...(f.password ? { password: f.password } : {}),
      ...(f.privateKey.trim() ? { privateKey: f.privateKey } : {}),
      folder: f.folder,
      hostKeyFingerprint: f.hostKeyFingerprint.trim(),
    },
    dateFormat: f.dateFormat,
    headerMapping: headerMappingBody(f.headerMapping),
    recipients: recipientList(f.recipients),
    schedule: scheduleBody(f.schedule),
    enabled: f.enabled,
  };
}

/** PATCH: every setting as shown; a secret only when typed (replace) or marked for removal (null). */
export function sftpPatchBody(f: SftpForm): Record<string, unknown> {
  const { type: _type, sftp, ...rest } = sftpCreateBody(f);
  const s = { ...(sftp as Record<string, unknown>) };
  if (f.removePassword && !f.password) s['password'] = null;
  if (f.removePrivateKey && !f.privateKey.trim()) s['privateKey'] = null;
  return { ...rest, sftp: s };
}

/** POST …/directories/test with settings not saved yet: without a fingerprint the answer carries the key to pin. */
export function sftpTestBody(f: SftpForm): Record<string, unknown> {
  const fingerprint = f.hostKeyFingerprint.trim();
  return {
    type: 'sftp-csv',
    sftp: {
      host: f.host,
      port: f.port.trim() === '' ? 22 : numberOrText(f.port),
      username: f.username,
      ...(f.password ? { password: f.password } : {}),
      ...(f.privateKey.trim() ? { privateKey: f.privateKey } : {}),
      folder: f.folder,
      ...(fingerprint ? { hostKeyFingerprint: fingerprint } : {}),
    },
  };
}

export const DEFAULT_POLICY_FORM: PolicyForm = {
  usernameAttribute: 'workEmail',
  activateUsers: true,
  orphans: 'ignore',
  restore: false,
  synchronizeGroups: false,
  preserveGroups: true,
  removeLocalGroups: false,
  removeOtherDirectoryGroups: false,
  safeguardCount: '50',
  safeguardPercent: '20',
};

export function emptyHrisForm(): HrisForm {
  return {
    name: '',
    baseUrl: 'https://api.merge.dev/api',
    accountToken: '',
    pageSize: '100',
    fieldMappings: [],
    policy: { ...DEFAULT_POLICY_FORM },
    recipients: '',
    schedule: { ...DEFAULT_SCHEDULE_FORM },
    enabled: true,
  };
}

export function hrisFormOf(d: HrisDirectory): HrisForm {
  const { safeguard, ...policy } = d.policy;
  return {
    ...emptyHrisForm(),
    name: d.name,
    baseUrl: d.hris.baseUrl,
    pageSize: String(d.hris.pageSize),
    fieldMappings: d.hris.fieldMappings.map((m) => ({ ...m })),
    policy: { ...policy, safeguardCount: String(safeguard.count), safeguardPercent: String(safeguard.percent) },
    recipients: d.recipients.join(', '),
    schedule: scheduleForm(d.schedule),
    enabled: d.enabled,
  };
}

function policyBody(p: PolicyForm): Record<string, unknown> {
  const { safeguardCount, safeguardPercent, ...rest } = p;
  return { ...rest, safeguard: { count: numberOrText(safeguardCount), percent: numberOrText(safeguardPercent) } };
}

const fieldMappingsBody = (rows: HrisForm['fieldMappings']) => rows.filter((r) => r.source || r.target.trim()).map((r) => ({ source: r.source, target: r.target.trim() }));

/** POST /v1/tenants/{t}/directories for an hris-api directory. */
export function hrisCreateBody(f: HrisForm): Record<string, unknown> {
  return {
    name: f.name,
    type: 'hris-api',
    hris: {
      provider: 'merge',
      baseUrl: f.baseUrl,
      accountToken: f.accountToken,
      pageSize: numberOrText(f.pageSize),
      fieldMappings: fieldMappingsBody(f.fieldMappings),
    },
    policy: policyBody(f.policy),
    recipients: recipientList(f.recipients),
    schedule: scheduleBody(f.schedule),
    enabled: f.enabled,
  };
}

export function hrisPatchBody(f: HrisForm): Record<string, unknown> {
  const { type: _type, hris, ...rest } = hrisCreateBody(f);
  const h = { ...(hris as Record<string, unknown>) };
  if (!f.accountToken) delete h['accountToken'];
  return { ...rest, hris: h };
}

export function hrisTestBody(f: HrisForm): Record<string, unknown> {
  return { type: 'hris-api', hris: { provider: 'merge', baseUrl: f.baseUrl, accountToken: f.accountToken } };
}

/**
 * R-EVT-02: the policy settings an event directory's runs act on. Its micro-batches match people by work email,
 * never orphan anybody and so are never held by the safeguard (libs/reconciliation `runUserPolicyOf`): the API
 * stores `usernameAttribute` and `safeguard` for them but no run reads them, and `orphans` is always `ignore`, so
 * the form offers only these and leaves the others as stored.
 */
export const EVENT_POLICY_KEYS = ['activateUsers', 'restore', 'synchronizeGroups', 'preserveGroups', 'removeLocalGroups', 'removeOtherDirectoryGroups'] as const;
export type EventPolicyForm = Pick<Policy, (typeof EVENT_POLICY_KEYS)[number]>;

export interface EventForm {
  name: string;
  policy: EventPolicyForm;
  recipients: string;
  enabled: boolean;
}

const eventPolicyOf = (p: EventPolicyForm): EventPolicyForm => Object.fromEntries(EVENT_POLICY_KEYS.map((k) => [k, p[k]])) as EventPolicyForm;

export function emptyEventForm(): EventForm {
  return { name: '', policy: eventPolicyOf(DEFAULT_POLICY_FORM), recipients: '', enabled: true };
}

export function eventFormOf(d: EventDirectory): EventForm {
  return { name: d.name, policy: eventPolicyOf(d.policy), recipients: d.recipients.join(', '), enabled: d.enabled };
}

/** POST /v1/tenants/{t}/directories for an event directory: no source settings, no schedule. */
export function eventCreateBody(f: EventForm): Record<string, unknown> {
  return { name: f.name, type: 'event', policy: eventPolicyOf(f.policy), recipients: recipientList(f.recipients), enabled: f.enabled };
}

/** PATCH: the settings shown; the policy fields not shown keep their stored values (a PATCH changes what it names). */
export function eventPatchBody(f: EventForm): Record<string, unknown> {
  const { type: _type, ...rest } = eventCreateBody(f);
  return rest;
}

/** Where services publish a tenant's employee events (libs/contracts `inbound.employee.*`, stream ROSTER_INBOUND). */
export function inboundSubjectsOf(tenantId: string): { upserted: string; terminated: string } {
  return {
    upserted: INBOUND_SUBJECTS.upserted.replace('{tenant}', tenantId),
    terminated: INBOUND_SUBJECTS.terminated.replace('{tenant}', tenantId),
  };
}

/** The id of a field's input for an API error path (`sftp.host` -> `field-sftp-host`). */
export function fieldId(path: string): string {
  return `field-${path.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}
