import { posix } from 'node:path';
import { SftpSourceException, SftpSourceExceptionCode } from './sftp-source.exception';

/**
 * A path under the directory's configured folder, or PATH_ESCAPE. Every path file-ingest touches on the server
 * (a listed file, the processed/failed buckets, a reason file) goes through here, so a name a server lists — or a
 * folder setting — with `..`, a NUL or a leading `/` never reaches outside the folder.
 */
export function resolveWithin(folder: string, relativePath: string): string {
  const root = posix.normalize(folder);
  if (relativePath.includes('\0') || root.includes('\0')) {
    throw new SftpSourceException(SftpSourceExceptionCode.PATH_ESCAPE, `path ${JSON.stringify(relativePath)} contains a NUL byte`);
  }
  const full = posix.normalize(posix.join(root, relativePath));
  if (full !== root && !full.startsWith(`${root.replace(/\/$/, '')}/`)) {
    throw new SftpSourceException(SftpSourceExceptionCode.PATH_ESCAPE, `path ${relativePath} leaves the configured folder`);
  }
  return full;
}
