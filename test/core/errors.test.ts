// The named errors: the state machine routes on `name` (ASL ErrorEquals) and the API maps names to status codes, so
// each error's name must be its class name, never start with "States.", and every name the ASL lists must exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as errors from '../../lambdas/core/errors';

// The definition file itself (the embedded engine's DEFINITION_PATH), not imported from the engine: that import would
// load the engine, the handlers and the phases into this core test (and into the core mutation run's inputs).
const DEFINITION_PATH = join(__dirname, '..', '..', 'statemachines', 'runbook.asl.json');

type ErrorClass = new (message: string, issues?: errors.FieldIssue[]) => Error;
const CLASSES = Object.entries(errors).filter(([, v]) => typeof v === 'function') as [string, ErrorClass][];

describe('named errors', () => {
  it.each(CLASSES)('%s should carry its class name as its name and be a RunbookError', (exported, Cls) => {
    // Act
    const err = new Cls('message', []);

    // Assess
    expect(err.name).toBe(exported);
    expect(err.name.startsWith('States.')).toBe(false);
    expect(err).toBeInstanceOf(errors.RunbookError);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('message');
  });

  it('should keep the issues of a ValidationError', () => {
    // Act
    const err = new errors.ValidationError('bad', [{ path: 'a.b', message: 'wrong' }]);

    // Assess
    expect(err.issues).toEqual([{ path: 'a.b', message: 'wrong' }]);
  });

  it('should define every non-States error name that the ASL retries or catches on', () => {
    // Prepare: Lambda.* names come from the Lambda service, not from this code.
    const names = new Set([...readFileSync(DEFINITION_PATH, 'utf8').matchAll(/"ErrorEquals":\s*\[([^\]]*)\]/g)]
      .flatMap((m) => [...(m[1] ?? '').matchAll(/"([^"]+)"/g)].map((n) => n[1] as string))
      .filter((n) => !n.startsWith('States.') && !n.startsWith('Lambda.')));

    // Assess
    expect(names.size).toBeGreaterThan(0);
    expect([...names].filter((n) => !CLASSES.some(([exported]) => exported === n))).toEqual([]);
  });
});
