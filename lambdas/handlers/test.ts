// TEST phase function: smoke tests and the load test.
import type { Deps } from '../ports';
import { performanceTest, smokeTests } from '../phases/test-phase';
import { parseTaskEvent, UnknownStepError } from './task-event';

export async function handle(raw: unknown, deps: Deps): Promise<unknown> {
  const e = parseTaskEvent(raw);
  switch (e.step) {
    case 'smoke': return smokeTests(deps, e.changeId);
    case 'performance': return performanceTest(deps, e.changeId);
    default: throw new UnknownStepError('test', e.step);
  }
}
