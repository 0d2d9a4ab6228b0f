import { TeamProblemCode, type CanonicalEmployee, type RowProblem } from '@roster/contracts';
import { refOf, rowProblem } from './rows';

/** R-CSV-04: the type of a custom field, inferred from the column's values when the field is created. */
export type CustomFieldType = 'text' | 'date' | 'boolean' | 'number';
export type DateFormat = 'dd/mm/yyyy' | 'mm/dd/yyyy';

const BOOLEAN = /^(yes|no|true|false)$/i;
const NUMBER = /^[-+]?(\d+([.,]\d+)?|\d{1,3}(,\d{3})+(\.\d+)?)$/;

/** A real calendar date in ISO yyyy-mm-dd, or in the directory's format (R-CSV-11, never a guess). */
export function customDate(value: string, format: DateFormat): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const local = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
  let y: number, m: number, d: number;
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (local) {
    const [a, b] = [Number(local[1]), Number(local[2])];
    [y, m, d] = format === 'dd/mm/yyyy' ? [Number(local[3]), b, a] : [Number(local[3]), a, b];
  } else return undefined;
  if (y < 1 || m < 1 || m > 12 || d < 1) return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  date.setUTCFullYear(y);
  if (date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The value as a field of `type` stores it (dates as ISO), or undefined when it does not fit. */
export function fitCustomValue(value: string, type: CustomFieldType, format: DateFormat): string | undefined {
  switch (type) {
    case 'text':
      return value;
    case 'boolean':
      return BOOLEAN.test(value) ? value : undefined;
    case 'number':
      return NUMBER.test(value) ? value : undefined;
    case 'date':
      return customDate(value, format);
  }
}

/**
 * The narrowest type every (non-blank) value fits: boolean, then number, then date, else text. Undefined when
 * there is no value to infer from: the field is created once a file gives it a value.
 */
export function inferCustomFieldType(values: Iterable<string>, format: DateFormat): CustomFieldType | undefined {
  const inference = new CustomFieldTypeInference(format);
  for (const value of values) {
    inference.observe(value);
    if (inference.settled) break;
  }
  return inference.type;
}

/**
 * `inferCustomFieldType` one value at a time, so a run can infer a field's type over millions of rows while
 * holding only the remaining candidates.
 */
export class CustomFieldTypeInference {
  private readonly candidates: CustomFieldType[] = ['boolean', 'number', 'date'];
  private any = false;

  constructor(private readonly format: DateFormat) {}

  observe(raw: string): void {
    const value = raw.trim();
    if (value === '' || this.settled) return;
    this.any = true;
    for (let i = this.candidates.length - 1; i >= 0; i--) {
      if (fitCustomValue(value, this.candidates[i] as CustomFieldType, this.format) === undefined) this.candidates.splice(i, 1);
    }
  }

  /** True once only text is left: later values cannot change the answer. */
  get settled(): boolean {
    return this.any && this.candidates.length === 0;
  }

  get type(): CustomFieldType | undefined {
    if (!this.any) return undefined;
    return this.candidates[0] ?? 'text';
  }
}

/**
 * Checks a record's custom fields against the tenant's definitions (R-CSV-04): a value that does not fit its
 * field's type is a row problem for that field only; the field is left out (the stored value stays) and the
 * rest of the row applies. Dates are stored as ISO. Labels without a definition pass unchanged.
 */
export function checkCustomFields(
  record: CanonicalEmployee,
  definitions: ReadonlyMap<string, CustomFieldType>,
  format: DateFormat,
  problems: RowProblem[],
): CanonicalEmployee {
  if (!record.customFields) return record;
  const customFields: Record<string, string> = {};
  let changed = false;
  for (const [label, raw] of Object.entries(record.customFields)) {
    const type = definitions.get(label);
    const value = raw.trim();
    if (type === undefined || value === '') {
      customFields[label] = raw;
      continue;
    }
    const fitted = fitCustomValue(value, type, format);
    if (fitted === undefined) {
      const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
      problems.push(
        rowProblem(refOf(record), label, TeamProblemCode.INVALID_CUSTOM_FIELD, `${JSON.stringify(shown)} is not a ${type}${type === 'date' ? ` (${format} or yyyy-mm-dd)` : ''}; field ignored, the rest of the row was applied`),
      );
      changed = true;
      continue;
    }
    if (fitted !== raw) changed = true;
    customFields[label] = fitted;
  }
  return changed ? { ...record, customFields } : record;
}
