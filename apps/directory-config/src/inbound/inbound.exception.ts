import { PermanentError } from '@roster/messaging';

/** Why an inbound employee event (R-EVT-02) was refused; each is dead-lettered at once with this code. */
export enum InboundExceptionCode {
  /** The envelope's `tenantid` is not a tenant of Roster. */
  UNKNOWN_TENANT = 'UNKNOWN_TENANT',
  /** The payload's `directoryId` is not a directory of that tenant. */
  UNKNOWN_DIRECTORY = 'UNKNOWN_DIRECTORY',
  /** The directory is an sftp-csv or hris-api one: only `event` directories take employee events. */
  NOT_AN_EVENT_DIRECTORY = 'NOT_AN_EVENT_DIRECTORY',
  /** The directory is disabled: enable it, then redrive the dead letters. */
  DIRECTORY_DISABLED = 'DIRECTORY_DISABLED',
  /** The subject does not match the event's type and tenant (R-TEN-01: the tenant is in the subject). */
  SUBJECT_MISMATCH = 'SUBJECT_MISMATCH',
  /** The employee's JSON is over `MAX_RECORD_BYTES`: the events announcing the person would not fit on the bus. */
  RECORD_TOO_LARGE = 'RECORD_TOO_LARGE',
}

/** A refused inbound event: permanent (dead-lettered without retries, nothing stored). */
export class InboundException extends PermanentError {
  constructor(code: InboundExceptionCode, message: string) {
    super(message, code);
    this.name = 'InboundException';
  }
}
