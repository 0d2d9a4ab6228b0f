export enum SftpSourceExceptionCode {
  HOST_KEY_MISMATCH = 'HOST_KEY_MISMATCH',
  AUTH_FAILED = 'AUTH_FAILED',
  UNREACHABLE = 'UNREACHABLE',
  FOLDER_MISSING = 'FOLDER_MISSING',
  NO_FILE = 'NO_FILE',
  PATH_ESCAPE = 'PATH_ESCAPE',
  TRANSFER_FAILED = 'TRANSFER_FAILED',
  /** A file the run picked before a restart is gone from the folder when the run is redelivered. */
  FILE_VANISHED = 'FILE_VANISHED',
  /** A file the run picked before a restart has another size or modification time when the run is redelivered. */
  FILE_CHANGED = 'FILE_CHANGED',
}

export class SftpSourceException extends Error {
  constructor(
    readonly code: SftpSourceExceptionCode,
    message: string,
  ) {
    super(message);
    this.name = 'SftpSourceException';
  }
}
