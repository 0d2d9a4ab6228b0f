import { randomBytes } from 'node:crypto';

const LABEL_MAX = 24;

/**
 * A short unique token such as `orders_k3f9x0q2mz`: lower-case letters, digits and `_`, starting with a
 * letter, at most 35 characters. Valid unquoted as a Postgres identifier and as a NATS stream, consumer
 * or subject token.
 */
export function uniqueName(label: string): string {
  const cleaned = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+/, '');
  const base = (/^[a-z]/.test(cleaned) ? cleaned : `t${cleaned}`).slice(0, LABEL_MAX).replace(/_+$/, '');
  return `${base}_${randomToken(10)}`;
}

function randomToken(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}
