// The stand-in for form-data in the TEST function's bundle: required the way autocannon's multipart.js requires it.
describe('form-data stand-in', () => {
  it('should refuse to build a multipart body, naming why', () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const FormData = require('../../lambdas/aws/no-multipart') as new () => unknown;

    // Assess
    expect(() => new FormData()).toThrow(/multipart bodies are not sent by the load tester/);
  });
});
