import { RECORDS_BATCH_MAX_BYTES, cutRecordBatches, cutRecordBatchesJson } from './records';

describe('cutRecordBatches', () => {
  const record = (n: number, bytes = 0) => ({ email: `p${n}@example.com`, customFields: { notes: 'x'.repeat(bytes) } });
  const jsonBytes = (batch: unknown[]) => Buffer.byteLength(JSON.stringify(batch));

  it('R-EVT-02 cuts by count when the records are small, keeping their order', () => {
    const records = Array.from({ length: 1201 }, (_, n) => record(n));
    const batches = cutRecordBatches(records, 500);
    expect(batches.map((b) => b.length)).toEqual([500, 500, 201]);
    expect(batches.flat()).toEqual(records);
  });

  it('R-EVT-02 cuts by bytes when the records are big: no batch over the bound, as JSON', () => {
    const records = Array.from({ length: 12 }, (_, n) => record(n, 300_000));
    const batches = cutRecordBatches(records, 500);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 3]);
    for (const batch of batches) expect(jsonBytes(batch)).toBeLessThanOrEqual(RECORDS_BATCH_MAX_BYTES);
    expect(batches.flat()).toEqual(records);
  });

  it('counts UTF-8 bytes, not characters, and exactly up to the bound', () => {
    const records = [record(1, 0), record(2, 0)].map((r) => ({ ...r, customFields: { notes: 'é'.repeat(40) } }));
    const bound = jsonBytes(records);
    expect(cutRecordBatches(records, 10, bound)).toEqual([records]);
    expect(cutRecordBatches(records, 10, bound - 1)).toEqual([[records[0]], [records[1]]]);
  });

  it('puts a record bigger than the bound alone in its batch, and returns no batch for no records', () => {
    const records = [record(1), record(2, 2000), record(3)];
    expect(cutRecordBatches(records, 10, 1000).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(cutRecordBatches([], 10)).toEqual([]);
  });

  it('R-EVT-02 keeps the JSON it serialised: the same batches, each as JSON.stringify writes it, in UTF-8 under the bound', () => {
    const records = [
      ...Array.from({ length: 7 }, (_, n) => record(n, 300_000)),
      ...Array.from({ length: 1100 }, (_, n) => ({ ...record(100 + n), customFields: { note: 'é "quoted" \\ \u2028' } })),
    ];
    const batches = cutRecordBatchesJson(records, 500);
    expect(batches.map((b) => b.records)).toEqual(cutRecordBatches(records, 500));
    for (const batch of batches) {
      expect(batch.json).toBe(JSON.stringify(batch.records));
      expect(Buffer.byteLength(batch.json)).toBeLessThanOrEqual(RECORDS_BATCH_MAX_BYTES);
    }
    expect(cutRecordBatchesJson([], 10)).toEqual([]);
  });
});
