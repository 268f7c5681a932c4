// aws-local-stepfunctions 3 needs Promise.withResolvers (Node 22). Without it, every Task throws after its
// handler ran and a Catch silently takes the wrong path. This runs the engine in a child process with
// withResolvers removed, with and without our polyfill, and checks which path a one-Task machine takes.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function pathTaken(loadPolyfill: boolean): { handlerRan: boolean; output: unknown } {
  const script = `
    delete Promise.withResolvers;
    ${loadPolyfill ? "require('./lambdas/embedded/polyfill');" : ''}
    const { StateMachine } = require('aws-local-stepfunctions');
    let handlerRan = false;
    const sm = new StateMachine({ StartAt: 'Work', States: {
      Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:w', TimeoutSeconds: 5,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true },
      Caught: { Type: 'Pass', Result: 'wrong path', End: true } } });
    sm.run({}, { overrides: { taskResourceLocalHandlers: { Work: async () => { handlerRan = true; return 'right path'; } } } })
      .result.then((output) => console.log(JSON.stringify({ handlerRan, output })));
  `;
  const out = execFileSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

describe('Promise.withResolvers polyfill', () => {
  it('should make a Task take its success path when the runtime lacks Promise.withResolvers', () => {
    expect(pathTaken(true)).toEqual({ handlerRan: true, output: 'right path' });
  });

  it('should show why it exists: without it the handler runs and the Catch path is taken', () => {
    expect(pathTaken(false)).toEqual({ handlerRan: true, output: 'wrong path' });
  });

  it('should be loaded by the embedded engine before aws-local-stepfunctions', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const source = require('node:fs').readFileSync(join(ROOT, 'lambdas', 'embedded', 'engine.ts'), 'utf8') as string;
    expect(source.indexOf("import './polyfill';")).toBeGreaterThan(-1);
    expect(source.indexOf("import './polyfill';")).toBeLessThan(source.indexOf("from 'aws-local-stepfunctions'"));
  });
});
