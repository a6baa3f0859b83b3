// Prints the plain CI summary line from vitest's JSON report:
//   N passed, N failed[, N skipped]
// A failed CI step (lint, build, ...) counts as one failure, so the line never
// says "0 failed" while CI fails. Exits 1 when anything failed or no test ran.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, failedStepsArg = '0'] = process.argv.slice(2);
const failedSteps = Number(failedStepsArg);
let passed = 0;
let failed = 0;
let skipped = 0;
if (reportPath && existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load has no tests but is a failure.
  failed += (report.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
} else {
  console.log('no test report was written');
  failed += 1;
}
failed += failedSteps;
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
