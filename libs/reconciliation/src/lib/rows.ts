import type { RowProblem, RowProblemCode, TeamProblemCode } from '@roster/contracts';
import type { RecordRef } from './types';

/** Emails are compared lower-case and trimmed everywhere (R-CSV-05). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** R-CSV-07: absent, empty and whitespace-only values all mean "the source said nothing". */
export function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function refOf(record: RecordRef): RecordRef {
  const ref: RecordRef = {};
  if (record.rowNumber !== undefined) ref.rowNumber = record.rowNumber;
  if (record.externalId !== undefined) ref.externalId = record.externalId;
  return ref;
}

/** A key that identifies one source record, for counting; undefined when the record cannot be told apart. */
export function refKey(ref: RecordRef): string | undefined {
  if (ref.rowNumber !== undefined) return `row:${ref.rowNumber}`;
  if (ref.externalId !== undefined) return `ext:${ref.externalId}`;
  return undefined;
}

export function describeRef(ref: RecordRef): string {
  if (ref.rowNumber !== undefined) return `row ${ref.rowNumber}`;
  if (ref.externalId !== undefined) return `record ${ref.externalId}`;
  return 'an earlier record';
}

export function rowProblem(ref: RecordRef, field: string, code: RowProblemCode | TeamProblemCode, message: string): RowProblem {
  return { ...refOf(ref), field, code, message };
}
