export * from './lib/types';
export { userContentHash } from './lib/hash';
export { normalizeEmail } from './lib/rows';
export { planUserChunk, placeholderUser } from './lib/plan-users';
export { planManagerLinks } from './lib/plan-managers';
export { applyUserOperations, applyManagerPlan, type NewUserId } from './lib/apply';
export { summarize, addRunCounts } from './lib/counts';
