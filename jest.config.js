// Jest: @swc/jest for speed (type-checking is `npm run typecheck`); unit, state-machine paths and e2e as projects.
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
// aws-local-stepfunctions ships CJS; nothing else needs transforming from node_modules.
// Stryker's sandboxes (.stryker-tmp) hold a copy of the project; jest must not see them as a second package.
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'], setupFiles: ['<rootDir>/jest.setup.js'], modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'] };
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/', '<rootDir>/test/browser/'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], testTimeout: 240000 },
    // The web console in headless Chromium (Debian's chromium + playwright-core): fails, never skips, without a browser.
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'], testTimeout: 90000 },
  ],
};
