// Host commands through SSM Run Command, for the entries that send, check or validate them: only these bundles carry
// the document loader (and its YAML parser) and read documents/ beside index.js.
import type { SSMClient } from '@aws-sdk/client-ssm';
import { loadDocuments, SsmHostCommands } from '../../adapters/aws/ssm-host-commands';
import { documentsDir, type AwsBase } from '../deps';

export function ssmHostCommands(client: SSMClient, base: AwsBase, dir: string = documentsDir()): SsmHostCommands {
  return new SsmHostCommands(client, {
    // Read at cold start: a function deployed without its documents fails at once, not at the first ACT step.
    documents: loadDocuments(dir),
    documentNamePrefix: base.env.DOCUMENT_NAME_PREFIX,
    logGroupName: base.env.COMMAND_LOG_GROUP,
  });
}
