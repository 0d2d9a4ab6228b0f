// Writes docs/asyncapi.json from the contracts' zod schemas: `npm run asyncapi` after changing a contract.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAsyncApiDocument } from '@roster/contracts';

const target = join(__dirname, '../../../docs/asyncapi.json');
writeFileSync(target, `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`);
console.log(`wrote ${target}`);
