// The test files of the lambdas/phases, lambdas/api and lambdas/handlers mutation runs (stryker.phases.config.mjs,
// stryker.api.config.mjs), also read by scripts/mutate.ts to fingerprint what they import: the in-process tests of
// those layers, which call the phase functions, the router and the handlers over the memory store, fakes and injected
// clocks (milliseconds a test). Left out, each for its cost per mutant (every surviving mutant reruns the tests that
// reach it): the files that drive the embedded engine or a server (seconds a test), the property test, the AWS entry
// tests (esbuild bundles) and the engine path tests. They would kill more mutants, never fewer, so a layer's score
// here is a lower bound of what the whole suite gives.
const ENGINE = [
  // createHarness(): the embedded engine over the memory store, one execution per test (2–3.5 s a file).
  'phases/dry-run', 'phases/submit', 'phases/test-phase', 'phases/alarm-watch', 'phases/events', 'phases/preflight-severity',
  'phases/next-attempt-freeze', 'phases/report-health', 'phases/reconcile', 'api/aws-approvals',
  // The event bus with the real waits of PLAN's alarm check (6.5 s), and the scheduled check's real shell host (3.3 s).
  'phases/plan-check-alarms', 'phases/scheduled-check',
  // An HTTP server over the engine per test (22–26 s a file); test/api/router.test.ts drives the same routes in-process.
  'api/server', 'api/flow',
  // fast-check: hundreds of generated requests per test (8.7 s).
  'api/malformed-inputs.property',
];

const testMatch = ['<rootDir>/test/phases/**/*.test.ts', '<rootDir>/test/api/**/*.test.ts'];
const ignored = ['/node_modules/', ...ENGINE.map((name) => `<rootDir>/test/${name}.test.ts`)];
// test/api/console.test.ts (an HTTP server per test, 14 s) is the one test of lambdas/api/console.ts, the console's
// server side: the api run keeps it, the phases run leaves it out.
const CONSOLE_SUITE = '<rootDir>/test/api/console.test.ts';

module.exports = {
  phases: { testMatch, testPathIgnorePatterns: [...ignored, CONSOLE_SUITE] },
  api: { testMatch, testPathIgnorePatterns: ignored },
};
