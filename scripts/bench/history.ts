// What the same run would write into a Step Functions execution history, from the local engine's event log. The local
// engine logs entering and leaving each state; AWS also logs a Task's scheduling and its result, and a Map's or
// Parallel's start and end (event types: https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html).
import type { HistoryEvent } from '../../lambdas/embedded/engine';

/**
 * Upper bound per Task: TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded|TaskFailed (a .waitForTaskToken
 * task; a plain Lambda Task has three: LambdaFunctionScheduled, -Started, -Succeeded).
 */
const TASK_EXTRA = 4;
/** MapStateStarted + MapStateSucceeded, ParallelStateStarted + ParallelStateSucceeded. */
const CONTAINER_EXTRA = 2;

export function awsHistoryEstimate(history: HistoryEvent[]): number {
  let events = 0;
  for (const e of history) {
    switch (e.type) {
      case 'StateEntered':
        events += 1 + (e.stateType === 'Task' ? TASK_EXTRA : e.stateType === 'Map' || e.stateType === 'Parallel' ? CONTAINER_EXTRA : 0);
        break;
      // A retry schedules the task again.
      case 'StateRetried':
        events += TASK_EXTRA;
        break;
      // AWS has no per-branch events; caught and failed are the Task's own result, counted above.
      case 'ParallelBranchStarted': case 'ParallelBranchSucceeded': case 'ParallelBranchFailed': case 'StateCaught': case 'StateFailed':
        break;
      default:
        events += 1;
    }
  }
  return events;
}
