import { MAX_RECORD_BYTES } from '@roster/contracts';
import { storedUser } from '../test/fixtures';
import { contentBytesOver, contentOf } from './content';

describe('contentBytesOver', () => {
  const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

  it('R-SAFE-02 is the content\'s JSON bytes when over the limit, else null — whatever its characters cost to write', () => {
    // Characters JSON writes in 1 to 6 bytes, and text around the limit: the cheap count must never let one through.
    const texts = ['plain', '"quoted"\\', 'é', '€', '😀', '\u0001', '\n\t', 'mixed é😀\u0001"'];
    const limit = 6000;
    let over = 0;
    for (const text of texts) {
      for (const repeat of [1, 100, 300, 500, 700, 1000, 2000]) {
        const content = contentOf(storedUser('ann@acme.io', { firstName: text.repeat(repeat), customFields: { [text]: text.repeat(repeat) } }));
        const bytes = bytesOf(content);
        expect({ text, repeat, found: contentBytesOver(content, limit) }).toEqual({ text, repeat, found: bytes > limit ? bytes : null });
        if (bytes > limit) over++;
      }
    }
    expect(over).toBeGreaterThan(10); // both sides of the limit were exercised
  });

  it('R-SAFE-02 many short custom fields count their keys and punctuation too', () => {
    const customFields = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`f${i}`, 'x']));
    const content = contentOf(storedUser('ann@acme.io', { customFields }));

    expect(contentBytesOver(content)).toBe(bytesOf(content));
    expect(bytesOf(content)).toBeGreaterThan(MAX_RECORD_BYTES);
  });

  it('R-SAFE-02 an ordinary user is under the bound', () => {
    expect(contentBytesOver(contentOf(storedUser('ann@acme.io', { firstName: 'Ann', customFields: { 'Shoe Size': '38' } })))).toBeNull();
  });
});
