// Child process for the SIGKILL test: handles user.created, commits, prints COMMITTED <email>, never acks.
import { openTestOrm, startHarness } from './harness';

async function main(): Promise<void> {
  const [dbUrl, natsUrl, filterSubject] = process.argv.slice(2);
  const orm = await openTestOrm(dbUrl);
  await startHarness(
    orm,
    natsUrl,
    {
    attempts: new Map(),
    afterCommit: async (email) => {
      process.stdout.write(`COMMITTED ${email}\n`);
        await new Promise(() => undefined); // hang before the ack until killed
      },
    },
    { service: 'crash', filterSubject },
  );
  process.stdout.write('READY\n');
}
void main();
