import type { RowProblem } from '@roster/contracts';
import type { FieldChange, RecordRef } from './types';

/** What a source decides about a team (R-CSV-03). Matched by teamNameKey(name) (R-CSV-05). */
export interface TeamContent {
  /** As last written by a teams file, or as first named. */
  name: string;
  /** R-TEN-02: the file's `Team Owner`, else the tenant owner's email; null when neither is known. */
  ownerEmail: string | null;
  type: string | null;
  description: string | null;
  /** The directory that owns the team (R-DIR-05). */
  sourceDirectoryId: string | null;
}

export const TEAM_CONTENT_FIELDS = ['name', 'ownerEmail', 'type', 'description', 'sourceDirectoryId'] as const satisfies readonly (keyof TeamContent)[];

export interface StoredTeam extends TeamContent {
  id: string;
  /** teamNameKey of the parent team, or null. Parents are linked in a second phase (planTeamParents). */
  parentKey: string | null;
}

export type NewTeam = Omit<StoredTeam, 'id'>;
export type TeamChanges = { [K in keyof TeamContent]?: FieldChange<TeamContent[K]> };

export type TeamOperation =
  | { kind: 'create'; ref: RecordRef; key: string; team: NewTeam }
  | { kind: 'update'; ref: RecordRef; key: string; changes: TeamChanges; next: StoredTeam }
  | { kind: 'unchanged'; ref: RecordRef; key: string };

export interface TeamContext {
  directoryId: string;
  /** R-TEN-02: default owner of a team created without one. */
  tenantOwnerEmail: string | null;
  /** The teams file's name, for messages. */
  fileName?: string;
}

/** A parent link a teams-file row asks for; planTeamParents decides whether it is applied. */
export interface ParentLink extends RecordRef {
  key: string;
  name: string;
  parentKey: string;
  parentName: string;
}

export interface TeamPlan {
  operations: TeamOperation[];
  parentLinks: ParentLink[];
  problems: RowProblem[];
}

export interface ParentChange {
  key: string;
  parentKey: string;
  previousParentKey: string | null;
}

export interface ParentPlan {
  /** Parent teams that do not exist: create them with default values (R-CSV-08), each once, by name. */
  placeholders: { key: string; name: string }[];
  setParent: ParentChange[];
  problems: RowProblem[];
}

/** The teams a user's `Teams` cell lists (R-CSV-09), by key, with the spelling it used. */
export interface WantedMemberships extends RecordRef {
  email: string;
  teams: { key: string; name: string }[];
}

export interface MembershipPlan {
  /** Teams named on users that do not exist: create them with default values, tenant owner as owner. */
  placeholders: { key: string; name: string }[];
  add: { email: string; key: string }[];
  remove: { email: string; key: string }[];
}
