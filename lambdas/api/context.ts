// What the API routes need from the engine that hosts them: the handlers' deps, control over executions, the
// environment profile changes are submitted against, and a few engine-specific extras.
import type { CheckResult, CheckSkipped } from '../core/records';
import type { EnvironmentProfile } from '../core/schemas';
import type { Deps, ExecutionControl } from '../ports';

export interface ApiContext {
  deps: Deps;
  control: ExecutionControl;
  /** The one profile this deployment (or `runbook serve`) runs changes against. */
  profile: () => Promise<EnvironmentProfile>;
  engine: 'embedded' | 'aws';
  /** Where a person can watch an execution (the Step Functions console on AWS); undefined when there is none. */
  consoleUrl?: (executionName: string) => string | undefined;
  /** The scheduled pre-flight check on demand; only engines that can run host commands from the API offer it. */
  runCheck?: () => Promise<CheckResult | CheckSkipped>;
}
