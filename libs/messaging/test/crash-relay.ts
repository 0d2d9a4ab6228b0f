// Child process for the relay crash test: writes one outbox row, relays it, and after the server's PubAck
// prints PUBLISHED and hangs before the rows are deleted, until the test kills it with SIGKILL.
import { connect } from 'nats';
import { EncodedMessage, EventPublisher, OutboxRelay, Outbox } from '../src';
import { openTestOrm, userCreated } from './harness';
import type { PubAck } from 'nats';

class PublishThenHang extends EventPublisher {
  override async publishEncoded(messages: EncodedMessage[]): Promise<PubAck[]> {
    const acks = await super.publishEncoded(messages);
    process.stdout.write(`PUBLISHED ${acks.length}\n`);
    await new Promise(() => undefined);
    return acks;
  }
}

async function main(): Promise<void> {
  const [dbUrl, natsUrl, tenant] = process.argv.slice(2);
  const orm = await openTestOrm(dbUrl);
  const nc = await connect({ servers: natsUrl });
  const outbox = new Outbox('test/crash-relay');
  await orm.em.fork().transactional((em) => outbox.add(em, 'user.created', userCreated('relay@example.com'), { tenantId: tenant }));
  new OutboxRelay(orm, new PublishThenHang(nc, 'test/crash-relay')).start();
}
void main();
