// A tiny service used by the messaging integration tests, in-process or as a child process that a test
// kills with SIGKILL. It handles `user.created` by inserting one row per user into `effects`, once.
import 'reflect-metadata';
import { Controller, Module, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { EntitySchema } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { filterOf } from '@roster/contracts';
import { type LogContext, logContext } from '@roster/observability';
import { serviceOrmOptions, qualified } from '@roster/persistence';
import {
  InboxMessageEntity,
  JetStreamContext,
  JetStreamServer,
  OutboxMessageEntity,
  PermanentError,
  RethrowRpcFilter,
  handleOnce,
} from '../src';

export const TEST_SCHEMA = 'msgtest';

interface EffectRow {
  id: number;
  email: string;
}
const EffectEntity = new EntitySchema<EffectRow>({
  name: 'Effect',
  tableName: 'effects',
  properties: { id: { type: 'integer', primary: true, autoincrement: true }, email: { type: 'text' } },
});

export async function openTestOrm(url: string): Promise<MikroORM> {
  const orm = await MikroORM.init(
    serviceOrmOptions({
      schema: TEST_SCHEMA,
      clientUrl: url,
      entities: [OutboxMessageEntity, InboxMessageEntity, EffectEntity],
      migrations: [],
    }),
  );
  await orm.em.getConnection().execute(`create schema if not exists ${TEST_SCHEMA}`);
  await orm.schema.updateSchema();
  return orm;
}

export interface HarnessHooks {
  /** Called after the effect committed, before the ack (the crash tests stop here). */
  afterCommit?: (email: string) => Promise<void>;
  attempts: Map<string, number>;
  /** The log context each handled email saw (R-OPS-03). */
  contexts?: Map<string, LogContext | undefined>;
  /** The delivery count of each handling, by email. */
  deliveries?: Map<string, number[]>;
}

export function harnessModule(orm: MikroORM, hooks: HarnessHooks) {
  @Controller()
  @UseFilters(RethrowRpcFilter)
  class UsersHandler {
    @EventPattern('user.created')
    async onUserCreated(@Payload() event: CloudEvent<PayloadOf<'user.created'>>, @Ctx() ctx: JetStreamContext) {
      const email = event.data.user.email;
      hooks.attempts.set(email, (hooks.attempts.get(email) ?? 0) + 1);
      hooks.deliveries?.set(email, [...(hooks.deliveries.get(email) ?? []), ctx.deliveryCount]);
      await Promise.resolve(); // the context survives an await
      hooks.contexts?.set(email, logContext());
      if (email.startsWith('poison')) throw new PermanentError(`cannot handle ${email}`, 'POISON');
      // Multi-line, as driver errors are (a SQL statement and its error): the dead letter's reason header must still go.
      if (email.startsWith('fail')) throw new Error(`handler failed for ${email}\r\n  insert into effects …\n  - syntax error`);
      await handleOnce(orm, ctx.consumer, event.id, async (em) => {
        await em.execute(`insert into ${qualified(em, 'effects')} (email) values (?)`, [email]);
      });
      await hooks.afterCommit?.(email);
    }
  }
  @Module({ controllers: [UsersHandler] })
  class HarnessModule {}
  return HarnessModule;
}

export async function startHarness(
  orm: MikroORM,
  natsUrl: string,
  hooks: HarnessHooks,
  options: { ackWaitMs?: number; maxDeliver?: number; service?: string; filterSubject?: string; ack?: 'confirmed' | 'sent' } = {},
): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(harnessModule(orm, hooks), {
    strategy: new JetStreamServer({
      servers: natsUrl,
      service: options.service ?? 'harness',
      consumers: [{ name: 'users', stream: 'ROSTER_DIRECTORY', filterSubject: options.filterSubject ?? filterOf('user.created'), ack: options.ack }],
      maxDeliver: options.maxDeliver ?? 3,
      backoffMs: [50, 100],
      ackWaitMs: options.ackWaitMs ?? 2000,
    }),
    logger: false,
  });
  await app.listen();
  return app;
}

export function userCreated(email: string): PayloadOf<'user.created'> {
  return {
    runId: null,
    user: {
      userId: '00000000-0000-4000-8000-000000000001',
      email,
      firstName: null,
      lastName: null,
      displayName: null,
      managerUserId: null,
      status: 'active',
      isOrgAdmin: false,
      sourceDirectoryId: null,
      profile: {},
      customFields: {},
    },
  };
}
