// Reads Vitest's JSON report: fails when a test failed, when no test ran, or when the MariaDB
// or PostgreSQL suites (titles "… on mysql" / "… on postgres") did not run; prints the closing
// line CI reads.
import fs from 'node:fs';

const report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const tests = report.testResults.flatMap((file) => file.assertionResults);
const count = (status) => tests.filter((t) => t.status === status).length;
const passed = count('passed');
const failed = count('failed');
const skipped = tests.length - passed - failed;

const problems = [];
for (const dialect of ['mysql', 'postgres']) {
  const ran = tests.filter(
    (t) => t.ancestorTitles.some((a) => a.endsWith(` on ${dialect}`)) && t.status === 'passed',
  );
  if (ran.length === 0) problems.push(`the ${dialect} suites did not run`);
  else console.log(`ci: ${ran.length} ${dialect} tests passed`);
}
if (passed === 0) problems.push('no test ran');
if (failed > 0) problems.push(`${failed} tests failed`);

console.log(`ci: ${passed} passed, ${failed} failed, ${skipped} skipped`);
for (const problem of problems) console.error(`ci: FAIL: ${problem}`);
process.exit(problems.length > 0 ? 1 : 0);
