export enum SftpSourceExceptionCode {
  HOST_KEY_MISMATCH = 'HOST_KEY_MISMATCH',
  AUTH_FAILED = 'AUTH_FAILED',
  UNREACHABLE = 'UNREACHABLE',
  FOLDER_MISSING = 'FOLDER_MISSING',
  NO_FILE = 'NO_FILE',
  PATH_ESCAPE = 'PATH_ESCAPE',
  TRANSFER_FAILED = 'TRANSFER_FAILED',
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
