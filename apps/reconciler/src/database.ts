import { MESSAGING_ENTITIES } from '@roster/messaging';
import type { ServiceOrmOptions } from '@roster/persistence';
import { HeldRemovalEntity, RunProblemEntity, RunStateEntity, StagedBatchEntity } from './entities/run-state.entity';
import { CustomFieldDefinitionEntity, TeamEntity, TeamMembershipEntity } from './entities/team.entity';
import { UserEntity } from './entities/user.entity';
import { DirectoryGroupEntity, GroupMembershipEntity } from './entities/group.entity';
import { migrations } from './migrations';

export const SCHEMA = 'reconciler';

export function databaseOptions(clientUrl: string): ServiceOrmOptions {
  return {
    schema: SCHEMA,
    clientUrl,
    entities: [UserEntity, RunStateEntity, StagedBatchEntity, RunProblemEntity, HeldRemovalEntity, TeamEntity, TeamMembershipEntity, CustomFieldDefinitionEntity, DirectoryGroupEntity, GroupMembershipEntity, ...MESSAGING_ENTITIES],
    migrations,
    migrationsPathTs: `${__dirname}/migrations`,
  };
}
