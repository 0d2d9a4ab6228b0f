// R-EVT-02 micro-batch size: the inbound consumer holds 2 × ROSTER_INBOUND_BATCH_MAX events in flight (main.ts), each
// ~11 KB of live heap until its batch commits, so the default must stay within the chart's V8 heap bound
// (node.maxOldSpaceMB). 5000 measured ~160 MB of live heap in a 100k-event burst and ran out of a 192 MiB old space
// (bench/README.md, Findings 2026-12-06). The chart's value and the service's default are the same number.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DirectoryConfigConfig } from '../config';

/** Live heap per in-flight inbound event, measured (heap snapshot: 166 MB for 10 000 in flight + 16 696 buffered). */
const BYTES_PER_EVENT_IN_FLIGHT = 11 * 1024;

const chart = parse(readFileSync(join(__dirname, '../../../../deploy/helm/roster/values.yaml'), 'utf8')) as {
  node: { maxOldSpaceMB: number };
  services: Record<string, { config: Record<string, unknown> }>;
};

describe('inbound micro-batch size (R-EVT-02) against the heap bound', () => {
  const defaults = DirectoryConfigConfig.shape.ROSTER_INBOUND_BATCH_MAX.parse(undefined);

  it('the chart deploys the service default', () => {
    expect(chart.services['directory-config']?.config['inboundBatchMax']).toBe(defaults);
  });

  it('two full batches in flight fit in the old-space bound with room for the rest of the service', () => {
    const inFlightMB = (2 * defaults * BYTES_PER_EVENT_IN_FLIGHT) / 2 ** 20;
    // Half the bound at most: the other half is the service's own 40–60 MB and what a batch's apply allocates.
    expect(inFlightMB).toBeLessThanOrEqual(chart.node.maxOldSpaceMB / 2);
  });
});
