export * from './lib/types';
export { userContentHash } from './lib/hash';
export { contentOf as contentOfStored } from './lib/content';
export { normalizeEmail } from './lib/rows';
export { planUserChunk, placeholderUser, normalizeUsername, erasedContent, type UsernameMatches } from './lib/plan-users';
export { planManagerLinks, wantedManagerLinks } from './lib/plan-managers';
export { applyUserOperations, applyManagerPlan, type NewUserId } from './lib/apply';
export { summarize, addRunCounts } from './lib/counts';
export * from './lib/team-types';
export { planTeams, placeholderTeam, teamContentOf, diffTeams } from './lib/plan-teams';
export { planTeamParents } from './lib/plan-team-parents';
export { planMemberships } from './lib/plan-memberships';
export { inferCustomFieldType, CustomFieldTypeInference, checkCustomFields, fitCustomValue, customDate, type CustomFieldType, type DateFormat } from './lib/custom-fields';
export { userPolicyOf, DEFAULT_SAFEGUARD } from './lib/api-policy';
export { isOrphan, orphanOperation, planOrphans, type SeenKeys, type FetchOutcome } from './lib/orphans';
export { checkSafeguard, removalOf, withoutRemoval, type SafeguardDecision, type RemovalAction } from './lib/safeguard';
export { planRun, type RunPlan } from './lib/plan-run';
export { runUserPolicyOf } from './lib/run-policy';
export { sourceDigestContext, sourceDigestOf, recordDigest, digestsApply, digestableRecord, leavesUnchanged, unchangedOnReplan } from './lib/source-digest';
export {
  runGroupPolicyOf,
  planGroups,
  planGroupMemberships,
  type GroupPolicy,
  type StoredGroup,
  type GroupChanges,
  type GroupPlan,
  type WantedGroups,
} from './lib/plan-groups';
