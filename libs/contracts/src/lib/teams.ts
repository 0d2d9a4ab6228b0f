import { z } from 'zod';

/**
 * One team as a teams file (R-CSV-03) sees it, normalised. An absent optional field means "the file said
 * nothing": the reconciler keeps the stored value (R-CSV-07). Owner emails are lower-cased by the source.
 */
export const CanonicalTeam = z.object({
  /** Row number in the teams file (1 = header). */
  rowNumber: z.number().int().positive().optional(),
  name: z.string().min(1).max(200),
  ownerEmail: z.string().email().max(320).optional(),
  parentName: z.string().min(1).max(200).optional(),
  type: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
});
export type CanonicalTeam = z.infer<typeof CanonicalTeam>;

/** Team problem codes (rows of a teams file, or team names on a user). */
export const TeamProblemCode = {
  MISSING_TEAM_NAME: 'MISSING_TEAM_NAME',
  DUPLICATE_TEAM: 'DUPLICATE_TEAM',
  TEAM_CYCLE: 'TEAM_CYCLE',
  SELF_PARENT: 'SELF_PARENT',
  INVALID_CUSTOM_FIELD: 'INVALID_CUSTOM_FIELD',
  DUPLICATE_FILE: 'DUPLICATE_FILE',
} as const;
export type TeamProblemCode = (typeof TeamProblemCode)[keyof typeof TeamProblemCode];

export const DirectoryTeam = z.object({
  teamId: z.string().uuid(),
  name: z.string(),
  /** The owner as the file or the default named them (R-TEN-02: the tenant owner by default). */
  ownerEmail: z.string().nullable(),
  ownerUserId: z.string().uuid().nullable(),
  parentTeamId: z.string().uuid().nullable(),
  type: z.string().nullable(),
  description: z.string().nullable(),
  sourceDirectoryId: z.string().uuid().nullable(),
});
export type DirectoryTeam = z.infer<typeof DirectoryTeam>;

export const TeamCreatedV1 = z.object({ runId: z.string().uuid().nullable(), team: DirectoryTeam });
export type TeamCreatedV1 = z.infer<typeof TeamCreatedV1>;

export const TeamUpdatedV1 = z.object({
  runId: z.string().uuid().nullable(),
  team: DirectoryTeam,
  changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
});
export type TeamUpdatedV1 = z.infer<typeof TeamUpdatedV1>;

/** A user joined or left a team through a directory (R-CSV-09: memberships are owned by their directory). */
export const MembershipChangedV1 = z.object({
  runId: z.string().uuid().nullable(),
  teamId: z.string().uuid(),
  teamName: z.string(),
  userId: z.string().uuid(),
  email: z.string(),
  sourceDirectoryId: z.string().uuid(),
});
export type MembershipChangedV1 = z.infer<typeof MembershipChangedV1>;

/**
 * Teams are matched by name case-insensitively (R-CSV-05): "Platform" in a teams file and "platform" in a
 * user's `Teams` cell are one team. The stored name keeps the spelling that created or last updated it.
 */
export function teamNameKey(name: string): string {
  return name.trim().toLowerCase();
}
