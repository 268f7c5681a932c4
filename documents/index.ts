// Where the project's SSM Command documents live and what they are called, so the CDK construct, the embedded
// engine and the tests find them by module location rather than by the current working directory.

/** Absolute path of this directory: one `<name>.yml` per document. */
export const DOCUMENTS_DIR = __dirname;

/** Every document the profiles and the workflow may name (a test checks this list against the .yml files). */
export const DOCUMENT_NAMES = [
  'runbook-Backup',
  'runbook-DatabaseMigration',
  'runbook-Dependencies',
  'runbook-DeployRelease',
  'runbook-HealthCheck',
  'runbook-ServiceControl',
  'runbook-SystemHealth',
  'runbook-TrafficControl',
] as const;
export type DocumentName = (typeof DOCUMENT_NAMES)[number];
