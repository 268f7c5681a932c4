// Where the CDK app finds the project's files, by module location, so `cdk synth` and the tests work from any cwd.
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..');
export const LOCK_FILE = join(REPO_ROOT, 'package-lock.json');
export const TSCONFIG = join(REPO_ROOT, 'tsconfig.json');
export const STATE_MACHINE_FILE = join(REPO_ROOT, 'statemachines', 'runbook.asl.json');
export const DEFAULT_PROFILE_FILE = join(REPO_ROOT, 'examples', 'kis-core-v3.profile.yml');

/** The Lambda entry of a function: lambdas/aws/<name>.ts exporting `handler`. */
export const functionEntry = (name: string): string => join(REPO_ROOT, 'lambdas', 'aws', `${name}.ts`);
