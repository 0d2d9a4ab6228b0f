import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { RpcResponder, rpcRespond } from '@roster/messaging';
import { NATS_CONNECTION } from '@roster/platform';
import { TestSftpConnectionUseCase } from './test-sftp-connection.usecase';

/** Answers `sftp.test` over core NATS request/reply; the service's replicas share one queue group. */
@Injectable()
export class SftpTestResponder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SftpTestResponder.name);
  private responder?: RpcResponder;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly test: TestSftpConnectionUseCase,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.responder = rpcRespond(this.nc, 'sftp.test', (req) => this.test.execute(req), {
      onError: (e) => this.logger.error({ error: (e as Error).message }, 'sftp.test failed'),
    });
    await this.responder.ready;
  }

  // Before the platform drains the NATS connection: stop taking requests, answer those in flight.
  async beforeApplicationShutdown(): Promise<void> {
    await this.responder?.drain();
  }
}
