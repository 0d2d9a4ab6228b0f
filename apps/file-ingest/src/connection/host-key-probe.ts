import SftpClient from 'ssh2-sftp-client';
import { sha256Fingerprint } from '../sftp/host-key';

export type ProbeResult =
  | { reached: true; hostKeyFingerprint: string }
  | { reached: false; code: string; message: string };

const PROBE_TIMEOUT_MS = 10_000;

/**
 * Learns a server's host key without logging in: the verifier records the key and refuses it, so the
 * handshake stops before any credential is sent. Unreachable hosts are told apart (DNS, refused, timeout).
 */
export async function probeHostKey(host: string, port: number, username: string): Promise<ProbeResult> {
  const client = new SftpClient('roster-file-ingest-probe');
  let fingerprint: string | undefined;
  try {
    await client.connect({
      host,
      port,
      username,
      readyTimeout: PROBE_TIMEOUT_MS,
      retries: 0,
      hostVerifier: (key: Buffer) => {
        fingerprint = sha256Fingerprint(key);
        return false;
      },
    });
  } catch (e) {
    if (fingerprint) return { reached: true, hostKeyFingerprint: fingerprint };
    return { reached: false, ...unreachable(e, host, port) };
  } finally {
    await client.end().catch(() => undefined);
  }
  // A verifier that refuses always fails the handshake; reaching here means ssh2 skipped it.
  if (fingerprint) return { reached: true, hostKeyFingerprint: fingerprint };
  return { reached: false, code: 'UNREACHABLE', message: `${host}:${port} did not present a host key` };
}

/** A sentence per network failure; ssh2's own messages can quote connection options, so none is passed on. */
export function unreachable(e: unknown, host: string, port: number): { code: 'UNREACHABLE'; message: string } {
  const text = String((e as Error)?.message ?? e);
  const code = (e as { code?: string })?.code ?? /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET/.exec(text)?.[0];
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { code: 'UNREACHABLE', message: `DNS: host name ${host} could not be resolved (${code})` };
    case 'ECONNREFUSED':
      return { code: 'UNREACHABLE', message: `connection refused by ${host}:${port}: nothing listens on that port (ECONNREFUSED)` };
    case 'ETIMEDOUT':
      return { code: 'UNREACHABLE', message: `no answer from ${host}:${port} (ETIMEDOUT)` };
    case undefined:
      return {
        code: 'UNREACHABLE',
        message: /timed out/i.test(text) ? `no SSH greeting from ${host}:${port} in time` : `cannot reach ${host}:${port}`,
      };
    default:
      return { code: 'UNREACHABLE', message: `cannot reach ${host}:${port} (${code})` };
  }
}
