import { InboxMessageEntity } from './inbox';
import { OutboxMessageEntity } from './outbox';

/** Tables every service that consumes or publishes through the outbox keeps in its own schema. */
export const MESSAGING_ENTITIES = [OutboxMessageEntity, InboxMessageEntity];
