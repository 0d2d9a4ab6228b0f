import { z } from 'zod';
import { CanonicalGroupType, type CanonicalGroup } from './records';
import { teamNameKey } from './teams';

/**
 * R-API-08: a source group an API directory synchronizes, owned by that directory (R-DIR-05) and keyed by
 * (tenant, directory, externalId). Apart from teams (name-keyed, R-CSV-05): a CSV team and an API group may share
 * a name without colliding.
 */
export const DirectoryGroup = z.object({
  groupId: z.string().uuid(),
  /** The directory that owns the group (and every membership of it). */
  sourceDirectoryId: z.string().uuid(),
  /** The source's group id (or `<TYPE>:<name>` when the source gives none). */
  externalId: z.string(),
  name: z.string(),
  type: CanonicalGroupType,
});
export type DirectoryGroup = z.infer<typeof DirectoryGroup>;

export const GroupCreatedV1 = z.object({ runId: z.string().uuid().nullable(), group: DirectoryGroup });
export type GroupCreatedV1 = z.infer<typeof GroupCreatedV1>;

export const GroupUpdatedV1 = z.object({
  runId: z.string().uuid().nullable(),
  group: DirectoryGroup,
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
});
export type GroupUpdatedV1 = z.infer<typeof GroupUpdatedV1>;

/**
 * A group and every membership of it are gone: it left the source (`not-in-source`, after a complete fetch) or
 * its directory stopped synchronizing groups without preserving them (`synchronization-off`). No
 * `group.member.removed` is sent for its members: consumers drop the group's memberships with it.
 */
export const GroupRemovedV1 = z.object({
  runId: z.string().uuid().nullable(),
  group: DirectoryGroup,
  reason: z.enum(['not-in-source', 'synchronization-off']),
});
export type GroupRemovedV1 = z.infer<typeof GroupRemovedV1>;

/** A user joined or left a directory's group (R-API-08), or was taken out of another directory's (R-API-09). */
export const GroupMemberChangedV1 = z.object({
  runId: z.string().uuid().nullable(),
  groupId: z.string().uuid(),
  groupName: z.string(),
  groupType: CanonicalGroupType,
  /** The directory that owns the group. */
  sourceDirectoryId: z.string().uuid(),
  userId: z.string().uuid(),
  email: z.string(),
});
export type GroupMemberChangedV1 = z.infer<typeof GroupMemberChangedV1>;

/** The key of a source group within its directory: the source's id, else its type and name (case-insensitive). */
export function groupKeyOf(group: Pick<CanonicalGroup, 'externalId' | 'name' | 'type'>): string {
  const id = group.externalId?.trim();
  return id ? id : `${group.type}:${teamNameKey(group.name)}`;
}
