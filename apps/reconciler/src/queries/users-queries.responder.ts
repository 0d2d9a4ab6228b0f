import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { RpcResponder, rpcRespond } from '@roster/messaging';
import { NATS_CONNECTION } from '@roster/platform';
import { UsersQueriesUseCase } from './users-queries.usecase';

/** Answers the admin API's user reads (issue 9) over core NATS request/reply, in the reconciler's queue group. */
@Injectable()
export class UsersQueriesResponder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UsersQueriesResponder.name);
  private responders: RpcResponder[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly queries: UsersQueriesUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const onError = (e: unknown, name: string) => this.logger.error({ error: (e as Error).message }, `${name} failed`);
    this.responders = [
      rpcRespond(this.nc, 'users.search', (q) => this.queries.search(q), { onError }),
      rpcRespond(this.nc, 'user.profile', (q) => this.queries.profile(q), { onError }),
    ];
    await Promise.all(this.responders.map((r) => r.ready));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.responders.map((r) => r.drain()));
  }
}
