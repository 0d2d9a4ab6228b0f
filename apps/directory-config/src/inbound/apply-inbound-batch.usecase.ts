import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { cutRecordBatchesJson, recordsBatchId, recordsCompleteId, type CanonicalEmployee } from '@roster/contracts';
import { Outbox, type OutboxMessage, OutboxRelay, withJsonField } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { type Directory, DirectoryEntity, eventOf } from '../entities/directory.entity';
import { RunEntity } from '../entities/run.entity';
import { TenantEntity } from '../entities/tenant.entity';
import { employeesOf, type InboundEvent } from './inbound-employees';
import { InboundException, InboundExceptionCode } from './inbound.exception';

/** Employees per `records.batch` message at most; a batch is also cut at `RECORDS_BATCH_MAX_BYTES` of records. */
const RECORDS_PER_BATCH = 500;
const INBOX_CHUNK = 1000;

export interface InboundBatchCommand {
  tenantId: string;
  directoryId: string;
  /** The inbox consumer the event ids are claimed for (the durable's name). */
  consumer: string;
  events: readonly InboundEvent[];
}

/**
 * R-EVT-02: one micro-batch of a directory's employee events becomes one run, through the same pipeline as every
 * source: in one transaction it checks the tenant and the directory (an `event` directory of that tenant,
 * enabled — otherwise every event of the batch is refused and dead-lettered, nothing stored), claims the event ids
 * in the inbox (an id already applied is dropped: redeliveries and re-publishes apply once), and writes the run
 * (trigger `event`) with its `records.batch` and `records.complete` (outcome complete; the reconciler applies it
 * with the event rules, `runUserPolicyOf`: no orphans) to the outbox. A crash before the commit leaves the
 * messages unacked and nothing written; after it, the redelivered events find their inbox rows.
 */
@Injectable()
export class ApplyInboundBatchUseCase {
  private readonly logger = new Logger(ApplyInboundBatchUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
  ) {}

  async execute(cmd: InboundBatchCommand): Promise<{ runId: string | null; applied: number; duplicates: number }> {
    const result = await this.orm.em.fork().transactional(async (em) => {
      const { directory, ownerEmail } = await this.eventDirectory(em, cmd.tenantId, cmd.directoryId);
      const fresh = await this.claim(em, cmd.consumer, cmd.tenantId, cmd.events);
      if (fresh.length === 0) return { runId: null, applied: 0 };
      const runId = await this.queueRun(em, directory, ownerEmail, employeesOf(fresh), fresh.length);
      return { runId, applied: fresh.length };
    });
    const duplicates = cmd.events.length - result.applied;
    if (result.runId) this.relay.kick();
    this.logger.log(
      { tenantId: cmd.tenantId, directoryId: cmd.directoryId, runId: result.runId, events: cmd.events.length, duplicates },
      result.runId ? 'event run queued' : 'inbound events already applied',
    );
    return { ...result, duplicates };
  }

  private async eventDirectory(em: EntityManager, tenantId: string, directoryId: string): Promise<{ directory: Directory; ownerEmail: string | null }> {
    const tenant = await em.findOne(TenantEntity, { id: tenantId });
    if (!tenant) throw new InboundException(InboundExceptionCode.UNKNOWN_TENANT, `tenant ${tenantId} does not exist; the event was not applied`);
    const directory = await em.findOne(DirectoryEntity, { id: directoryId, tenantId });
    if (!directory) {
      throw new InboundException(InboundExceptionCode.UNKNOWN_DIRECTORY, `directory ${directoryId} does not exist in tenant ${tenantId}; the event was not applied`);
    }
    if (directory.type !== 'event') {
      throw new InboundException(
        InboundExceptionCode.NOT_AN_EVENT_DIRECTORY,
        `directory ${directoryId} of tenant ${tenantId} is an ${directory.type} directory; only event directories take employee events`,
      );
    }
    if (!directory.enabled) {
      throw new InboundException(
        InboundExceptionCode.DIRECTORY_DISABLED,
        `directory ${directoryId} of tenant ${tenantId} is disabled; enable it and redrive the event`,
      );
    }
    return { directory, ownerEmail: tenant.ownerEmail };
  }

  /**
   * The events whose ids this consumer had not applied yet (first occurrence of an id within the batch). Ids are
   * claimed per tenant (`<tenant>:<id>`): two tenants' services may well use the same ids (R-TEN-01).
   */
  private async claim(em: EntityManager, consumer: string, tenantId: string, events: readonly InboundEvent[]): Promise<InboundEvent[]> {
    const key = (e: InboundEvent) => `${tenantId}:${e.id}`;
    const ids = [...new Set(events.map(key))];
    const claimed = new Set<string>();
    for (let i = 0; i < ids.length; i += INBOX_CHUNK) {
      const chunk = ids.slice(i, i + INBOX_CHUNK);
      const rows = await sql<{ event_id: string }>(em,
        `insert into ${qualified(em, 'inbox')} (consumer, event_id) select ?, k.id from unnest(?::text[]) as k(id)
         on conflict do nothing returning event_id`,
        [consumer, chunk],
      );
      for (const r of rows) claimed.add(r.event_id);
    }
    return events.filter((e) => claimed.delete(key(e)));
  }

  private async queueRun(em: EntityManager, directory: Directory, ownerEmail: string | null, employees: CanonicalEmployee[], events: number): Promise<string> {
    const { tenantId, id: directoryId } = directory;
    const runId = randomUUID();
    const now = new Date();
    // Not the directory's active run: event runs follow each other on the reconciler's ordered consumer, so the
    // next micro-batch never waits for this one's round trip (R-DIR-04's "the second waits").
    em.create(RunEntity, {
      id: runId,
      tenantId,
      directoryId,
      trigger: 'event',
      status: 'queued',
      active: null,
      counts: null,
      problems: [],
      problemCount: 0,
      failure: null,
      fileName: null,
      pendingRemovals: null,
      decision: null,
      createdAt: now,
      startedAt: now,
      finishedAt: null,
    });
    await em.flush();
    const ctx = { tenantId, runId };
    // By count and by bytes: an employee event may carry up to ~1 MB (custom fields, groups), so 500 of them by count
    // alone could make a batch the relay can never publish (over NATS's max_payload), stopping the whole outbox.
    // The batches go out as the JSON the cut serialised to count them: every record is made of a validated event
    // (employeesOf), so parsing them against the contract and serialising them once more would be the same work twice.
    const batches = cutRecordBatchesJson(employees, RECORDS_PER_BATCH);
    const batchCount = batches.length;
    const messages: OutboxMessage[] = batches.map(({ json }, batchNo) =>
      this.outbox.jsonMessage('records.batch', withJsonField({ runId, directoryId, batchNo, problems: [] }, 'employees', json), {
        ...ctx,
        id: recordsBatchId(runId, batchNo),
      }),
    );
    messages.push(
      this.outbox.message(
        'records.complete',
        {
          runId,
          directoryId,
          directoryType: 'event',
          trigger: 'event',
          outcome: 'complete',
          batchCount,
          totals: { rows: events, records: employees.length, problems: 0 },
          // One mail per micro-batch would flood the recipients; problems are on the run (runs API).
          notify: { directoryName: directory.name, recipients: [] },
          tenantOwnerEmail: ownerEmail ?? undefined,
          policy: { ...eventOf(directory).policy, orphans: 'ignore' },
        },
        { ...ctx, id: recordsCompleteId(runId) },
      ),
    );
    await this.outbox.addMessages(em, messages);
    return runId;
  }
}
