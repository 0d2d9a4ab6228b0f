// Prints the test count from jest's JSON summary as the last line CI reads:
//   tests: N passed, N failed, N skipped
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/jest.json';
if (!existsSync(file)) {
  console.log('tests: 0 passed, 0 failed, 0 skipped');
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
// A suite that failed to run (syntax error, failing beforeAll) counts its tests as failed and itself as one failure.
const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + brokenSuites} failed, ${skipped} skipped`);
