import fc from 'fast-check';
import { checkCustomFields, customDate, fitCustomValue, inferCustomFieldType, type CustomFieldType } from './custom-fields';

describe('custom fields (R-CSV-04)', () => {
  it('R-CSV-04 infers the narrowest type every value of the column fits', () => {
    expect(inferCustomFieldType(['Yes', 'no', 'TRUE'], 'dd/mm/yyyy')).toBe('boolean');
    expect(inferCustomFieldType(['42', '-3.5', '1,000'], 'dd/mm/yyyy')).toBe('number');
    expect(inferCustomFieldType(['2024-01-31', '31/01/2024'], 'dd/mm/yyyy')).toBe('date');
    expect(inferCustomFieldType(['31/01/2024'], 'mm/dd/yyyy')).toBe('text');
    expect(inferCustomFieldType(['42', 'Yes'], 'dd/mm/yyyy')).toBe('text');
    expect(inferCustomFieldType(['', '  '], 'dd/mm/yyyy')).toBeUndefined();
  });

  it('R-CSV-04 R-CSV-11 dates are read in the directory format or ISO, never guessed, and stored as ISO', () => {
    expect(customDate('03/04/2021', 'dd/mm/yyyy')).toBe('2021-04-03');
    expect(customDate('03/04/2021', 'mm/dd/yyyy')).toBe('2021-03-04');
    expect(customDate('31/02/2021', 'dd/mm/yyyy')).toBeUndefined();
    expect(customDate('13/01/2021', 'mm/dd/yyyy')).toBeUndefined();
  });

  it('R-CSV-04 the inferred type fits every value it was inferred from (fast-check)', () => {
    const value = fc.oneof(fc.constantFrom('Yes', 'no', '12', '-1.5', '2024-02-29', '29/02/2024', '02/29/2024', 'abc', ''), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 8 }), fc.constantFrom('dd/mm/yyyy' as const, 'mm/dd/yyyy' as const), (values, format) => {
        const type = inferCustomFieldType(values, format);
        const present = values.map((v) => v.trim()).filter((v) => v !== '');
        if (present.length === 0) return expect(type).toBeUndefined();
        for (const v of present) expect(fitCustomValue(v, type as CustomFieldType, format)).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });

  it('R-CSV-04 a value that does not fit is a row problem for that field only; the other fields stay', () => {
    const problems: never[] = [] as never[];
    const record = { rowNumber: 7, email: 'a@x.io', jobTitle: 'Eng', customFields: { 'Shoe Size': 'big', 'Hired On': '31/01/2024', Badge: 'B-1' } };
    const checked = checkCustomFields(record, new Map<string, CustomFieldType>([['Shoe Size', 'number'], ['Hired On', 'date'], ['Badge', 'text']]), 'dd/mm/yyyy', problems);
    expect(checked).toEqual({ ...record, customFields: { 'Hired On': '2024-01-31', Badge: 'B-1' } });
    expect(problems).toEqual([expect.objectContaining({ rowNumber: 7, field: 'Shoe Size', code: 'INVALID_CUSTOM_FIELD' })]);
  });
});
