// The ValidationError a call throws, for tests that assert on its message and field paths; any other outcome fails.
import { ValidationError } from '../../lambdas/core/errors';

export function validationErrorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}
