import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { RpcResponder, rpcRespond } from '@roster/messaging';
import { NATS_CONNECTION } from '@roster/platform';
import { TestHrisConnectionUseCase } from './test-hris-connection.usecase';

/** Answers `hris.test` over core NATS request/reply; the gateway's replicas share one queue group. */
@Injectable()
export class HrisTestResponder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HrisTestResponder.name);
  private responder?: RpcResponder;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly test: TestHrisConnectionUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.responder = rpcRespond(this.nc, 'hris.test', (req) => this.test.execute(req), {
      onError: (e) => this.logger.error({ error: (e as Error).message }, 'hris.test failed'),
    });
    await this.responder.ready;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.responder?.drain();
  }
}
