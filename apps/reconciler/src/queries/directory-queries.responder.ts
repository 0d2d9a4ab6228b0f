import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { RpcResponder, rpcRespond } from '@roster/messaging';
import { NATS_CONNECTION } from '@roster/platform';
import { DirectoryQueriesUseCase } from './directory-queries.usecase';

/** Answers the directory queries over core NATS request/reply (one queue group for the replicas). */
@Injectable()
export class DirectoryQueriesResponder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DirectoryQueriesResponder.name);
  private responders: RpcResponder[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly queries: DirectoryQueriesUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const onError = (e: unknown, name: string) => this.logger.error({ error: (e as Error).message }, `${name} failed`);
    this.responders = [
      rpcRespond(this.nc, 'run.problems', (q) => this.queries.runProblems(q), { onError }),
      rpcRespond(this.nc, 'run.held-removals', (q) => this.queries.heldRemovals(q), { onError }),
      rpcRespond(this.nc, 'user.status', (q) => this.queries.userStatus(q), { onError }),
      rpcRespond(this.nc, 'users.existing', (q) => this.queries.existingUsers(q), { onError }),
    ];
    // Ready (and so /health/ready) only once the server routes requests to us.
    await Promise.all(this.responders.map((r) => r.ready));
  }

  // Before the platform drains the NATS connection: stop taking requests, answer those in flight.
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.responders.map((r) => r.drain()));
  }
}
