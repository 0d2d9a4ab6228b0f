import { isIP } from 'node:net';
import { z } from 'zod';
import type { TrustProxy } from '@roster/platform';

/** proxy-addr's names for address ranges, as Express's `trust proxy` takes them. */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (RANGE_NAMES.includes(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
}

const EXPECTED =
  'expected false, a hop count (1, 2, …) or comma-separated proxy addresses (IP, IP/bits, loopback, linklocal, uniquelocal); ' +
  'true is refused: trusting every hop lets any client pick its address with X-Forwarded-For';

/**
 * R-SEC-02: which hops' X-Forwarded-For decides a request's client address (Express's `trust proxy`), the address
 * failed authentication is counted by. `false` (the default) takes the connection's peer — behind an ingress that
 * is the ingress, one address for everybody. Name the ingress's addresses (safest: a client reaching the pod
 * directly cannot then pick its own address) or the number of proxies in front of it.
 */
export const trustProxyField = () =>
  z
    .string()
    .trim()
    .transform((value, ctx): TrustProxy => {
      if (value === 'false') return false;
      if (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 16) return Number(value);
      const entries = value.split(',').map((e) => e.trim());
      if (value !== 'true' && entries.every(isProxyAddress)) return entries;
      ctx.addIssue({ code: 'custom', message: EXPECTED });
      return z.NEVER;
    });
