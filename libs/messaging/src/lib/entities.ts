import { InboxMessageEntity, PrunedInboxMessageEntity } from './inbox';
import { OutboxMessageEntity } from './outbox';

/** Tables every service that consumes or publishes through the outbox keeps in its own schema. */
export const MESSAGING_ENTITIES = [OutboxMessageEntity, InboxMessageEntity];

/** The same tables with the inbox indexed for pruning by age (`PrunedInboxMessageEntity`), for a service that prunes it. */
export const MESSAGING_ENTITIES_PRUNED_INBOX = [OutboxMessageEntity, PrunedInboxMessageEntity];
