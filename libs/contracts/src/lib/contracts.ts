import { z } from 'zod';
import {
  RecordsBatchV1,
  RecordsCompleteV1,
  RunDecidedV1,
  UserActivateRequestedV1,
  UserAnonymizeRequestedV1,
  UserAnonymizedV1,
  RunFinishedV1,
  RunProgressV1,
  SyncRequestedV1,
  UserCreatedV1,
  UserDeletedV1,
  UserUpdatedV1,
} from './payloads';
import { MembershipChangedV1, TeamCreatedV1, TeamUpdatedV1 } from './teams';
import { ExportBuildingV1, ExportMailedV1, ExportReadyV1, ExportRequestedV1 } from './exports';
import { EmployeeTerminatedV1, EmployeeUpsertedV1 } from './inbound';
import { GroupCreatedV1, GroupMemberChangedV1, GroupRemovedV1, GroupUpdatedV1 } from './groups';
import { RerunRequestedV1 } from './replay';

/**
 * Streams. Retention and limits live here so every service provisions them the same way (idempotently).
 * nats-server 2.9: one filter subject per consumer, no subject transforms, no per-message TTL.
 */
export const Streams = {
  ROSTER_RUNS: { subjects: ['roster.runs.>'], maxAgeDays: 30, description: 'Commands and run lifecycle' },
  ROSTER_RECORDS: { subjects: ['roster.records.>'], maxAgeDays: 7, description: 'Source record batches (replayable)' },
  ROSTER_DIRECTORY: { subjects: ['roster.directory.>'], maxAgeDays: 30, description: 'Public directory events' },
  ROSTER_INBOUND: { subjects: ['roster.inbound.>'], maxAgeDays: 7, description: 'Employee events from services' },
  ROSTER_DLQ: { subjects: ['roster.dlq.>'], maxAgeDays: 30, description: 'Dead letters' },
  ROSTER_EXPORTS: { subjects: ['roster.exports.>'], maxAgeDays: 7, description: 'User exports: requests and ready files (R-EXP-01)' },
} as const;
export type StreamName = keyof typeof Streams;

interface EventContract<S extends z.ZodTypeAny> {
  /** Subject template; `{name}` tokens are filled per message and become `*` in consumer filters. */
  subject: string;
  type: string;
  stream: StreamName;
  schema: S;
  summary: string;
}

const event = <S extends z.ZodTypeAny>(c: EventContract<S>) => c;

/** Every message on the bus: its subject, CloudEvents type, stream and payload schema. */
export const Events = {
  'sync.requested': event({
    subject: 'roster.runs.{tenant}.{directoryType}.sync.requested.v1',
    type: 'io.roster.runs.sync.requested.v1',
    stream: 'ROSTER_RUNS',
    schema: SyncRequestedV1,
    summary: 'directory-config asks the source service of a directory type to fetch a run.',
  }),
  'run.progress': event({
    subject: 'roster.runs.{tenant}.run.progress.v1',
    type: 'io.roster.runs.run.progress.v1',
    stream: 'ROSTER_RUNS',
    schema: RunProgressV1,
    summary: 'A run moved to fetching, reconciling or awaiting-approval (R-SAFE-01, with who it would remove).',
  }),
  'run.finished': event({
    subject: 'roster.runs.{tenant}.run.finished.v1',
    type: 'io.roster.runs.run.finished.v1',
    stream: 'ROSTER_RUNS',
    schema: RunFinishedV1,
    summary: 'A run ended (succeeded, partially-succeeded or failed) with counts and its first problems.',
  }),
  'records.batch': event({
    subject: 'roster.records.{tenant}.batch.v1',
    type: 'io.roster.records.batch.v1',
    stream: 'ROSTER_RECORDS',
    schema: RecordsBatchV1,
    summary: 'A batch of canonical employee records of one run, with the row problems found in it.',
  }),
  'records.complete': event({
    subject: 'roster.records.{tenant}.complete.v1',
    type: 'io.roster.records.complete.v1',
    stream: 'ROSTER_RECORDS',
    schema: RecordsCompleteV1,
    summary: 'The source finished fetching a run: how many batches, totals, and whether the fetch was complete.',
  }),
  'run.decided': event({
    subject: 'roster.records.{tenant}.run.decided.v1',
    type: 'io.roster.records.run.decided.v1',
    stream: 'ROSTER_RECORDS',
    schema: RunDecidedV1,
    summary:
      "An admin approved or rejected a run held in awaiting-approval (R-SAFE-01); on the records stream so the reconciler's ordered records consumer handles it after the run's batches.",
  }),
  'user.anonymize.requested': event({
    subject: 'roster.records.{tenant}.user.anonymize.v1',
    type: 'io.roster.records.user.anonymize.v1',
    stream: 'ROSTER_RECORDS',
    schema: UserAnonymizeRequestedV1,
    summary:
      "R-API-07: an admin asked to erase a user's personal data; on the records stream so the reconciler's ordered records consumer never anonymizes in the middle of a run's apply.",
  }),
  'user.activate.requested': event({
    subject: 'roster.records.{tenant}.user.activate.v1',
    type: 'io.roster.records.user.activate.v1',
    stream: 'ROSTER_RECORDS',
    schema: UserActivateRequestedV1,
    summary:
      "R-API-05: an admin activates an inactive user; on the records stream so the reconciler's ordered records consumer never changes a user in the middle of a run's apply.",
  }),
  'rerun.requested': event({
    subject: 'roster.runs.{tenant}.rerun.requested.v1',
    type: 'io.roster.runs.rerun.requested.v1',
    stream: 'ROSTER_RUNS',
    schema: RerunRequestedV1,
    summary:
      'R-OPS-01: an operator re-runs a past run; directory-config re-publishes its retained records.batch messages (ROSTER_RECORDS) under the new run, then its records.complete.',
  }),
  'user.created': event({
    subject: 'roster.directory.{tenant}.user.created.v1',
    type: 'io.roster.directory.user.created.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: UserCreatedV1,
    summary: 'A user was created in the directory.',
  }),
  'user.updated': event({
    subject: 'roster.directory.{tenant}.user.updated.v1',
    type: 'io.roster.directory.user.updated.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: UserUpdatedV1,
    summary: 'A user changed; `changes` lists each changed field with its old and new value.',
  }),
  'user.deleted': event({
    subject: 'roster.directory.{tenant}.user.deleted.v1',
    type: 'io.roster.directory.user.deleted.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: UserDeletedV1,
    summary: "A user was deleted by their directory's orphan policy (R-API-06); a later restore announces user.updated.",
  }),
  'user.anonymized': event({
    subject: 'roster.directory.{tenant}.user.anonymized.v1',
    type: 'io.roster.directory.user.anonymized.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: UserAnonymizedV1,
    summary: "A user's personal data was erased at an admin's request (R-API-07); followers should erase their copy. Only the id travels.",
  }),
  'team.created': event({
    subject: 'roster.directory.{tenant}.team.created.v1',
    type: 'io.roster.directory.team.created.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: TeamCreatedV1,
    summary: 'A team was created in the directory (from a teams file, a parent team or a team named on a user).',
  }),
  'team.updated': event({
    subject: 'roster.directory.{tenant}.team.updated.v1',
    type: 'io.roster.directory.team.updated.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: TeamUpdatedV1,
    summary: 'A team changed; `changes` lists each changed field with its old and new value.',
  }),
  'membership.added': event({
    subject: 'roster.directory.{tenant}.membership.added.v1',
    type: 'io.roster.directory.membership.added.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: MembershipChangedV1,
    summary: 'A user became a member of a team through a directory.',
  }),
  'membership.removed': event({
    subject: 'roster.directory.{tenant}.membership.removed.v1',
    type: 'io.roster.directory.membership.removed.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: MembershipChangedV1,
    summary: 'A user stopped being a member of a team through a directory.',
  }),
  'group.created': event({
    subject: 'roster.directory.{tenant}.group.created.v1',
    type: 'io.roster.directory.group.created.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: GroupCreatedV1,
    summary: 'R-API-08: a source group (team, department, cost center, business unit, group) became a group owned by its API directory.',
  }),
  'group.updated': event({
    subject: 'roster.directory.{tenant}.group.updated.v1',
    type: 'io.roster.directory.group.updated.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: GroupUpdatedV1,
    summary: "R-API-08: a directory's group changed its name or type in the source; `changes` lists each changed field.",
  }),
  'group.removed': event({
    subject: 'roster.directory.{tenant}.group.removed.v1',
    type: 'io.roster.directory.group.removed.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: GroupRemovedV1,
    summary:
      'R-API-08: a group and all its memberships were removed (it left the source, or its directory stopped synchronizing groups without preserving them).',
  }),
  'group.member.added': event({
    subject: 'roster.directory.{tenant}.group.member.added.v1',
    type: 'io.roster.directory.group.member.added.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: GroupMemberChangedV1,
    summary: "R-API-08: a user became a member of a directory's group (memberships follow the source).",
  }),
  'group.member.removed': event({
    subject: 'roster.directory.{tenant}.group.member.removed.v1',
    type: 'io.roster.directory.group.member.removed.v1',
    stream: 'ROSTER_DIRECTORY',
    schema: GroupMemberChangedV1,
    summary: "R-API-08/09: a user left a directory's group (gone from it in the source, or taken out by another directory's remove-other-directory-groups).",
  }),
  'export.requested': event({
    subject: 'roster.exports.{tenant}.requested.v1',
    type: 'io.roster.exports.requested.v1',
    stream: 'ROSTER_EXPORTS',
    schema: ExportRequestedV1,
    summary: "An admin asked for the tenant's users as a CSV file (R-EXP-01); the reconciler writes it.",
  }),
  'export.ready': event({
    subject: 'roster.exports.{tenant}.ready.v1',
    type: 'io.roster.exports.ready.v1',
    stream: 'ROSTER_EXPORTS',
    schema: ExportReadyV1,
    summary: 'An export file is in the object store (bucket and object name, rows, bytes); the notifier mails it.',
  }),
  'export.building': event({
    subject: 'roster.exports.{tenant}.building.v1',
    type: 'io.roster.exports.building.v1',
    stream: 'ROSTER_EXPORTS',
    schema: ExportBuildingV1,
    summary: "The reconciler started writing an export's file (R-EXP-01); directory-config's export status becomes building.",
  }),
  'export.mailed': event({
    subject: 'roster.exports.{tenant}.mailed.v1',
    type: 'io.roster.exports.mailed.v1',
    stream: 'ROSTER_EXPORTS',
    schema: ExportMailedV1,
    summary: "The notifier mailed an export to the admin who asked for it (R-EXP-01); directory-config's export status becomes mailed.",
  }),
  'inbound.employee.upserted': event({
    subject: 'roster.inbound.{tenant}.employee.upserted.v1',
    type: 'io.roster.inbound.employee.upserted.v1',
    stream: 'ROSTER_INBOUND',
    schema: EmployeeUpsertedV1,
    summary:
      'R-EVT-02: an internal service creates or updates an employee of an `event` directory (the CloudEvents id is the idempotency key); applied in micro-batch runs through the reconciler policies.',
  }),
  'inbound.employee.terminated': event({
    subject: 'roster.inbound.{tenant}.employee.terminated.v1',
    type: 'io.roster.inbound.employee.terminated.v1',
    stream: 'ROSTER_INBOUND',
    schema: EmployeeTerminatedV1,
    summary:
      'R-EVT-02: an internal service terminates an employee of an `event` directory: deactivated now (date today or past) or on the date.',
  }),
} as const;

export type EventName = keyof typeof Events;
export type PayloadOf<N extends EventName> = z.infer<(typeof Events)[N]['schema']>;

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Fills a subject template. Tokens must be single subject tokens (no dots, no wildcards). */
export function subjectOf(name: EventName, tokens: Record<string, string>): string {
  return Events[name].subject.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = tokens[key];
    if (value === undefined || !TOKEN.test(value)) {
      throw new Error(`subject token '${key}' for ${name} must be a single subject token, got '${value}'`);
    }
    return value;
  });
}

/** The tenant token of a Roster subject (`roster.<area>.<tenant>.…`, every template's third token); '' if none. */
export function tenantOfSubject(subject: string): string {
  return subject.split('.', 3)[2] ?? '';
}

/** The consumer filter for an event: template tokens become `*` unless pinned. */
export function filterOf(name: EventName, pinned: Record<string, string> = {}): string {
  return Events[name].subject.replace(/\{(\w+)\}/g, (_, key: string) => pinned[key] ?? '*');
}

const byType = new Map<string, EventName>(
  (Object.keys(Events) as EventName[]).map((name) => [Events[name].type, name]),
);

export function eventNameOfType(type: string): EventName | undefined {
  return byType.get(type);
}
