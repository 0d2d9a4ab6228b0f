import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConsumerInfo, JetStreamManager, NatsConnection } from 'nats';
import { isNotFound } from '@roster/messaging';
import { NATS_CONNECTION } from '@roster/platform';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import {
  REPLAY_PREFIX,
  REPLAY_STREAMS,
  ReplayRecord,
  ReplayRequest,
  ReplayStream,
  ReplayView,
  consumerConfigOf,
  differences,
  replayFilter,
  replayName,
  replayRecordOf,
  replayView,
} from './replay-consumer';
import type { CreateReplayBody } from './replays.schemas';
import { countAfter, lastSequenceAtOrBefore } from './stream-scan';

/**
 * R-OPS-01: re-delivers a stream's retained messages to a new consumer — durable (named by the operator) or
 * ephemeral — from a start time or sequence, on a subject filter, with an end bound recorded. History is not
 * re-published: the consumer reads the stream as it is. The consumer's description records its parameters, so
 * asking again with the same ones answers the same consumer and changes nothing; other ones are a conflict.
 * Every view's `pending` is what the consumer has still to deliver within its range (`pendingInRange`).
 * `tenantId` scopes every call (the filter is pinned to the tenant; another tenant's replay is "not found").
 */
@Injectable()
export class ReplaysUseCase {
  private readonly logger = new Logger('Replays');
  private manager?: Promise<JetStreamManager>;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async create(tenantId: string | null, body: CreateReplayBody, now = new Date()): Promise<ReplayView> {
    const request = this.requestOf(tenantId, body, now);
    const jsm = await this.jsm();
    const existing = await this.info(jsm, request.stream, request.name);
    if (existing) return this.same(jsm, existing, request);
    const endSequence = request.endTime ? await lastSequenceAtOrBefore(this.nc, request.stream, request.endTime) : request.endSequence;
    let info: ConsumerInfo;
    try {
      info = await jsm.consumers.add(request.stream, consumerConfigOf({ ...request, endSequence }));
    } catch (e) {
      // Another call created it between our look and our add.
      const raced = await this.info(jsm, request.stream, request.name);
      if (raced) return this.same(jsm, raced, request);
      throw e;
    }
    const record = replayRecordOf(info) as ReplayRecord;
    this.logger.log(
      { ...record, stream: request.stream, consumer: info.name, durable: request.durable, filterSubject: request.filterSubject },
      'replay consumer created',
    );
    return { ...(await this.view(jsm, info, record)), created: true };
  }

  async list(tenantId: string | null, stream?: ReplayStream): Promise<ReplayView[]> {
    const jsm = await this.jsm();
    const views: ReplayView[] = [];
    for (const s of stream ? [stream] : REPLAY_STREAMS) {
      for (const info of await jsm.consumers.list(s).next()) {
        const record = replayRecordOf(info);
        if (record && (tenantId === null || record.tenantId === tenantId)) views.push(await this.view(jsm, info, record));
      }
    }
    return views.sort((a, b) => a.stream.localeCompare(b.stream) || a.name.localeCompare(b.name));
  }

  async get(tenantId: string | null, stream: ReplayStream, name: string): Promise<ReplayView> {
    const { info, record } = await this.find(tenantId, stream, name);
    return this.view(await this.jsm(), info, record);
  }

  /** Deletes a replay consumer (what it had delivered is gone with it; the stream is untouched). */
  async delete(tenantId: string | null, stream: ReplayStream, name: string): Promise<void> {
    const { info } = await this.find(tenantId, stream, name);
    const jsm = await this.jsm();
    try {
      await jsm.consumers.delete(stream, info.name);
    } catch (e) {
      if (isNotFound(e)) throw this.notFound(tenantId, stream, info.name);
      throw e;
    }
    this.logger.log({ tenantId, stream, consumer: info.name }, 'replay consumer deleted');
  }

  private requestOf(tenantId: string | null, body: CreateReplayBody, now: Date): ReplayRequest {
    const startTime = body.startTime ? new Date(body.startTime) : null;
    const endTime = body.endTime ? new Date(body.endTime) : null;
    const invalid = (message: string) => new DirectoryConfigException(DirectoryConfigExceptionCode.VALIDATION_FAILED, message);
    // A future end would resolve to today's last sequence, and a second identical request to a later one.
    if (endTime && endTime > now) throw invalid(`endTime ${body.endTime} is in the future; give a past time or an endSequence`);
    if (endTime && startTime && endTime < startTime) throw invalid('endTime is before startTime');
    if (body.endSequence && body.startSequence && body.endSequence < body.startSequence) throw invalid('endSequence is before startSequence');
    return {
      stream: body.stream,
      name: replayName(body.name ?? randomBytes(6).toString('hex')),
      durable: body.durable,
      filterSubject: replayFilter(body.stream, body.filterSubject, tenantId),
      tenantId,
      startTime,
      startSequence: body.startSequence ?? null,
      endTime,
      endSequence: body.endSequence ?? null,
      inactiveSeconds: body.inactiveSeconds,
    };
  }

  /** An existing consumer of the asked name: the same replay (answered as it is) or a conflict. */
  private async same(jsm: JetStreamManager, info: ConsumerInfo, request: ReplayRequest): Promise<ReplayView> {
    const record = replayRecordOf(info);
    if (!record) {
      throw new DirectoryConfigException(
        DirectoryConfigExceptionCode.REPLAY_CONFLICT,
        `${request.stream} has a consumer named ${info.name} that is not a replay consumer; choose another name`,
      );
    }
    if (record.tenantId !== request.tenantId) {
      throw new DirectoryConfigException(DirectoryConfigExceptionCode.REPLAY_CONFLICT, `the replay consumer name ${info.name} is taken on ${request.stream}; choose another name`);
    }
    const diffs = differences(info, record, request);
    if (diffs.length > 0) {
      throw new DirectoryConfigException(
        DirectoryConfigExceptionCode.REPLAY_CONFLICT,
        `replay consumer ${info.name} on ${request.stream} exists with other parameters (${diffs.join('; ')}); delete it or choose another name`,
        { existing: await this.view(jsm, info, record) },
      );
    }
    return { ...(await this.view(jsm, info, record)), created: false };
  }

  private async view(jsm: JetStreamManager, info: ConsumerInfo, record: ReplayRecord): Promise<ReplayView> {
    const counted = await this.pendingInRange(jsm, info, record);
    return replayView(counted.info, record, counted.pending);
  }

  /**
   * R-OPS-01: what a replay consumer has still to deliver within its range — on its filter, after what it delivered
   * (from its start) and up to `endSequence`; 0 when the range is empty or passed. The server's `num_pending` counts
   * every later message on the filter; those after the end, counted by a probe consumer (`countAfter`), are taken
   * off. That count is taken before and after re-reading the consumer: equal, nothing landed past the end meanwhile
   * and the difference is exact; while messages past the end keep arriving (3 tries), the smaller count is used, so
   * `pending` is then an upper bound.
   */
  private async pendingInRange(jsm: JetStreamManager, info: ConsumerInfo, record: ReplayRecord): Promise<{ info: ConsumerInfo; pending: number }> {
    const end = record.endSequence;
    if (end === null) return { info, pending: info.num_pending };
    if (info.num_pending === 0 || info.delivered.stream_seq >= end) return { info, pending: 0 };
    const stream = info.stream_name as ReplayStream;
    const filter = info.config.filter_subject;
    let afterEnd = await countAfter(this.nc, stream, filter, end);
    for (let attempt = 1; ; attempt++) {
      // An ephemeral consumer may go meanwhile: its last known state is what there is to show.
      const current = (await this.info(jsm, stream, info.name)) ?? info;
      const again = await countAfter(this.nc, stream, filter, end);
      if (again === afterEnd || attempt === 3) {
        const pending = current.delivered.stream_seq >= end ? 0 : Math.max(0, current.num_pending - Math.min(afterEnd, again));
        return { info: current, pending };
      }
      afterEnd = again;
    }
  }

  private async find(tenantId: string | null, stream: ReplayStream, name: string): Promise<{ info: ConsumerInfo; record: ReplayRecord }> {
    const full = replayName(name);
    const info = await this.info(await this.jsm(), stream, full);
    const record = info && replayRecordOf(info);
    if (!info || !record || (tenantId !== null && record.tenantId !== tenantId)) throw this.notFound(tenantId, stream, full);
    return { info, record };
  }

  private notFound(tenantId: string | null, stream: string, name: string): DirectoryConfigException {
    return new DirectoryConfigException(
      DirectoryConfigExceptionCode.REPLAY_NOT_FOUND,
      `no replay consumer ${name} on ${stream}${tenantId ? ` for tenant ${tenantId}` : ''} (replay consumers are named ${REPLAY_PREFIX}…; an ephemeral one goes when unused)`,
    );
  }

  private async info(jsm: JetStreamManager, stream: string, name: string): Promise<ConsumerInfo | undefined> {
    try {
      return await jsm.consumers.info(stream, name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private jsm(): Promise<JetStreamManager> {
    this.manager ??= this.nc.jetstreamManager().catch((e: unknown) => {
      this.manager = undefined;
      throw e;
    });
    return this.manager;
  }
}
