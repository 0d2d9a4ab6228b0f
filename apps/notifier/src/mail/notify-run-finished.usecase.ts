import { Injectable, Logger } from '@nestjs/common';
import type { CloudEvent, PayloadOf } from '@roster/contracts';
import { LoggedMailer } from './logged-mailer';
import { heldReport, runReport } from './run-report';

/** Mails the directory's recipients when a run ends (R-NOT-01), and when one is held for approval (R-SAFE-01). */
@Injectable()
export class NotifyRunFinishedUseCase {
  private readonly logger = new Logger(NotifyRunFinishedUseCase.name);

  constructor(private readonly mail: LoggedMailer) {}

  /** `lastDelivery`: the transport gives up on the event if this attempt fails (the mail is then logged failed). */
  async execute(event: CloudEvent<PayloadOf<'run.finished'>>, lastDelivery: boolean): Promise<void> {
    const run = event.data;
    const sent = await this.mail.send({
      eventId: event.id,
      tenantId: event.tenantid,
      runId: run.runId,
      kind: 'run.finished',
      recipients: run.notify.recipients,
      ...runReport(run),
    }, lastDelivery);
    if (sent) this.logger.log({ tenantId: event.tenantid, directoryId: run.directoryId, runId: run.runId, recipients: run.notify.recipients.length }, 'run report mailed');
  }

  /** R-SAFE-01: a run held in awaiting-approval: who would go, and how to approve or reject. Other progress: nothing. */
  async held(event: CloudEvent<PayloadOf<'run.progress'>>, lastDelivery: boolean): Promise<void> {
    const run = event.data;
    if (run.status !== 'awaiting-approval' || !run.pendingRemovals || !run.notify) return;
    const sent = await this.mail.send({
      eventId: event.id,
      tenantId: event.tenantid,
      runId: run.runId,
      kind: 'run.held',
      recipients: run.notify.recipients,
      ...heldReport({ ...run, pendingRemovals: run.pendingRemovals, notify: run.notify }, event.tenantid),
    }, lastDelivery);
    if (sent) this.logger.log({ tenantId: event.tenantid, directoryId: run.directoryId, runId: run.runId, recipients: run.notify.recipients.length }, 'held run mailed');
  }
}
