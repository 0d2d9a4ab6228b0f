import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { RpcName, RpcReplyOf, RpcRequestOf } from '@roster/contracts';
import { RpcError, rpcRequest } from '@roster/messaging';
import { NATS_CONNECTION } from '@roster/platform';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';

/** How long each question may take: a test connection waits for DNS, TCP, SSH and SFTP (two sessions). */
export const RPC_TIMEOUT_MS: Record<RpcName, number> = {
  'sftp.test': 30_000,
  /** DNS, TLS, two bridge calls, and up to the connector's timeout. */
  'hris.test': 70_000,
  'run.problems': 5_000,
  'run.held-removals': 5_000,
  'user.status': 5_000,
  'users.existing': 5_000,
  'users.search': 5_000,
  'user.profile': 5_000,
};

/** Which code the admin API answers when the service behind a question does not answer. */
const UNAVAILABLE: Record<RpcName, DirectoryConfigExceptionCode> = {
  'sftp.test': DirectoryConfigExceptionCode.SOURCE_UNAVAILABLE,
  'hris.test': DirectoryConfigExceptionCode.SOURCE_UNAVAILABLE,
  'run.problems': DirectoryConfigExceptionCode.DIRECTORY_QUERY_UNAVAILABLE,
  'run.held-removals': DirectoryConfigExceptionCode.DIRECTORY_QUERY_UNAVAILABLE,
  'user.status': DirectoryConfigExceptionCode.DIRECTORY_QUERY_UNAVAILABLE,
  'users.existing': DirectoryConfigExceptionCode.DIRECTORY_QUERY_UNAVAILABLE,
  'users.search': DirectoryConfigExceptionCode.DIRECTORY_QUERY_UNAVAILABLE,
  'user.profile': DirectoryConfigExceptionCode.DIRECTORY_QUERY_UNAVAILABLE,
};

export const ASKER = Symbol('ASKER');

/** Asks another service over core NATS request/reply (what the use cases depend on; fakeable in unit tests). */
export interface Asker {
  ask<N extends RpcName>(name: N, request: RpcRequestOf<N>): Promise<RpcReplyOf<N>>;
}

@Injectable()
export class RpcClient implements Asker {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async ask<N extends RpcName>(name: N, request: RpcRequestOf<N>): Promise<RpcReplyOf<N>> {
    try {
      return await rpcRequest(this.nc, name, request, { timeoutMs: RPC_TIMEOUT_MS[name] });
    } catch (e) {
      if (e instanceof RpcError && e.code === 'UNAVAILABLE') {
        throw new DirectoryConfigException(UNAVAILABLE[name], `${e.message}; try again shortly`);
      }
      throw e;
    }
  }
}
