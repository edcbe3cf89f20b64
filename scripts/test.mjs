#!/usr/bin/env node
// `npm test`: every suite that can run on this machine, in order:
//   1. unit tests
//   2. integration tests on PGlite (the embedded default)
//   3. the same integration tests on PostgreSQL, when TEST_DATABASE_URL is set
//   4. the production build, once (unless SKIP_BUILD=1)
//   5. process-level tests of the generation loop against that build (tests/process/;
//      the PostgreSQL stacks only when TEST_DATABASE_URL is set)
//   6. browser journeys against that build, when a Chromium is found
// Ends with one summary line "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findChromium } from '../tests/e2e/chromium.mjs';

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'test-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
let failedRuns = 0;

function run(label, args, env = {}) {
  console.log(`\n=== ${label} ===`);
  const output = path.join(resultsDir, `${label.replace(/\W+/g, '-')}.json`);
  const result = spawnSync(
    'npx',
    ['vitest', 'run', ...args, '--reporter=default', '--reporter=json', `--outputFile.json=${output}`],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } },
  );
  if (existsSync(output)) {
    const report = JSON.parse(readFileSync(output, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
    if (report.numTotalTests === 0) {
      console.log(`${label}: no tests ran`);
      failedRuns += 1;
    }
  }
  if (result.status !== 0) failedRuns += 1;
}

run('unit', ['--project', 'unit']);
const { TEST_DATABASE_URL, ...withoutPostgres } = process.env;
run('integration-pglite', ['--project', 'integration'], { ...withoutPostgres, TEST_DATABASE_URL: '' });
if (TEST_DATABASE_URL) {
  run('integration-postgres', ['--project', 'integration'], { TEST_DATABASE_URL });
} else {
  console.log('\nTEST_DATABASE_URL not set: skipping the PostgreSQL run of the integration tests');
}

// One production build serves the process tests and the browser journeys.
let buildFailed = false;
if (process.env.SKIP_BUILD !== '1') {
  console.log('\n=== production build for the process tests and browser journeys ===');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.log('build failed');
    buildFailed = true;
    failedRuns += 1;
  }
}

if (!buildFailed) {
  // Skips itself, saying why, when build/ is missing (SKIP_BUILD=1 without a build) and,
  // for the PostgreSQL stacks, when TEST_DATABASE_URL is not set.
  run('process', ['--project', 'process']);

  const chromium = findChromium();
  if (chromium) {
    run('e2e', ['--project', 'e2e'], { CHROMIUM_PATH: chromium });
  } else {
    console.log(
      "\nNo Chromium found (set CHROMIUM_PATH or install Debian's chromium): skipping browser journeys",
    );
  }
}

console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedRuns > 0 || totals.failed > 0 ? 1 : 0);
