// The V8 heap bound the services run with: the Helm chart's default (`node.maxOldSpaceMB` in
// deploy/helm/roster/values.yaml), so the bench measures what the chart deploys, and what each process really got.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** `node.maxOldSpaceMB` of the chart's default values (0: Node's own default). */
export function chartMaxOldSpaceMB(root: string): number {
  const values = parse(readFileSync(join(root, 'deploy', 'helm', 'roster', 'values.yaml'), 'utf8')) as { node?: { maxOldSpaceMB?: unknown } };
  const mb = values.node?.maxOldSpaceMB;
  if (typeof mb !== 'number' || !Number.isSafeInteger(mb) || mb < 0) throw new Error(`deploy/helm/roster/values.yaml: node.maxOldSpaceMB must be an integer ≥ 0, got ${String(mb)}`);
  return mb;
}

/** The NODE_OPTIONS flag for a bound of `mb` MiB (none for 0). */
export function maxOldSpaceOption(mb: number): string[] {
  return mb > 0 ? [`--max-old-space-size=${mb}`] : [];
}

/** NODE_OPTIONS in a running process's environment (Linux /proc), '' when unset or unreadable. */
export function nodeOptionsOf(pid: number): string {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.find((e) => e.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length) ?? '';
  } catch {
    return '';
  }
}
