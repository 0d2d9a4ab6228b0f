import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ApplyInboundBatchUseCase } from './apply-inbound-batch.usecase';
import type { InboundEvent } from './inbound-employees';
import { MicroBatcher, type MicroBatcherOptions } from './micro-batcher';

export const INBOUND_BATCHING = Symbol('INBOUND_BATCHING');

interface Pending {
  event: InboundEvent;
  consumer: string;
}

/**
 * R-EVT-02 micro-batches: events are grouped per (tenant, directory) for `windowMs` or up to `maxItems`, and each
 * group becomes one run (ApplyInboundBatchUseCase). `accept` resolves when the event's run is committed (the
 * transport then acks it) and rejects with the batch's error (retried, or dead-lettered when permanent).
 */
@Injectable()
export class InboundEventsUseCase implements OnApplicationShutdown {
  private readonly batcher: MicroBatcher<Pending>;

  constructor(
    private readonly applyBatch: ApplyInboundBatchUseCase,
    @Inject(INBOUND_BATCHING) options: MicroBatcherOptions,
  ) {
    this.batcher = new MicroBatcher<Pending>(options, async (key, items) => {
      const [tenantId, directoryId] = key.split('/') as [string, string];
      await this.applyBatch.execute({ tenantId, directoryId, consumer: items[0]?.consumer ?? '', events: items.map((i) => i.event) });
    });
  }

  accept(event: InboundEvent, tenantId: string, consumer: string): Promise<void> {
    return this.batcher.add(`${tenantId}/${event.data.directoryId}`, { event, consumer });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.batcher.drain();
  }
}
