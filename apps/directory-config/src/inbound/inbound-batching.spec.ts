// R-EVT-02 micro-batch size: the inbound consumer holds 2 × ROSTER_INBOUND_BATCH_MAX events in flight (main.ts) until
// their batch commits, so the default must stay within the chart's V8 heap bound (node.maxOldSpaceMB). When each
// event had its own handler call, timer and promises, that was ~11 KB an event, and 5000 ran out of a 192 MiB old space
// (bench/README.md, Findings 2026-12-06); the transport's batch consumer holds the message and its parsed event only.
// The chart's value and the service's default are the same number.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DirectoryConfigConfig } from '../config';

/**
 * Live heap per in-flight inbound event, measured with the batch consumer (bench, 50k events: peak heap used 80 MB
 * against 48 MB idle with 5000 held, the batches' apply included: ≤ 6.5 KB each; 84 MB with 10 000 held).
 */
const BYTES_PER_EVENT_IN_FLIGHT = 7 * 1024;

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
