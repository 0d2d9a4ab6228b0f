import { BeforeApplicationShutdown, Controller, Get, Inject, Param, ParseUUIDPipe, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { NatsConnection, Subscription } from 'nats';
import { FINAL_RUN_STATUSES } from '@roster/contracts';
import { NATS_CONNECTION } from '@roster/platform';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { RunsUseCase, runView } from './runs.usecase';

const uuid = new ParseUUIDPipe({ version: undefined });
/** A run's view is re-read at least this often, and soon after any lifecycle event of the tenant names the run. */
const POLL_MS = 1_000;
const NUDGE_MS = 100;
const HEARTBEAT_MS = 15_000;
/** A stream ends after this long even if the run has not (the client reconnects); bounds a forgotten tab. */
const MAX_STREAM_MS = 30 * 60_000;

/**
 * Issue 9: a run's progress as server-sent events, for the console and scripts. The first event is the run as it
 * is; every change of the run's view (status, counts, problems, pending removals) follows as an `event: run`, and
 * `event: end` closes the stream once the run is final. Pushed, not polled by the client: a core NATS subscription
 * to the tenant's run lifecycle subjects (every replica sees them, unlike the durable consumer's queue) nudges a
 * re-read of the stored view (so what is sent is what `GET …/runs/{id}` answers), with a 1-second re-read as the
 * floor. Authenticated and tenant-scoped like every route; an unknown run is 404 before the stream starts.
 */
@Controller('v1/tenants')
@UseFilters(AdminApiExceptionFilter)
export class RunStreamController implements BeforeApplicationShutdown {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly runs: RunsUseCase,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  @Get(':tenantId/runs/:runId/stream')
  async stream(@Param('tenantId', uuid) tenantId: string, @Param('runId', uuid) runId: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    let last = JSON.stringify(runView(await this.runs.get(tenantId, runId)));
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\nevent: run\ndata: ${last}\n\n`);
    if (isFinal(last)) return void res.end('event: end\ndata: {}\n\n');

    let closed = false;
    let reading = false;
    let nudge: NodeJS.Timeout | undefined;
    const subscription: Subscription = this.nc.subscribe(`roster.runs.${tenantId}.run.>`, {
      callback: (_e, msg) => {
        if (!closed && Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).includes(runId) && !nudge) nudge = setTimeout(() => ((nudge = undefined), void read()), NUDGE_MS);
      },
    });
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      clearInterval(heartbeat);
      clearTimeout(nudge);
      clearTimeout(limit);
      subscription.unsubscribe();
      this.open.delete(close);
      res.end();
    };
    const read = async () => {
      if (closed || reading) return;
      reading = true;
      try {
        const now = JSON.stringify(runView(await this.runs.get(tenantId, runId)));
        if (closed || now === last) return;
        last = now;
        res.write(`event: run\ndata: ${now}\n\n`);
        if (isFinal(now)) {
          res.write('event: end\ndata: {}\n\n');
          close();
        }
      } catch {
        close(); // the run or the database went away: the client reconnects and gets the answer as an error
      } finally {
        reading = false;
      }
    };
    const poll = setInterval(() => void read(), POLL_MS);
    const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const limit = setTimeout(close, MAX_STREAM_MS);
    this.open.add(close);
    req.on('close', close);
  }

  /** Streams end before the NATS connection drains, so shutdown never waits on an open browser tab. */
  beforeApplicationShutdown(): void {
    for (const close of [...this.open]) close();
  }
}

function isFinal(view: string): boolean {
  return (FINAL_RUN_STATUSES as readonly string[]).includes((JSON.parse(view) as { status: string }).status);
}
