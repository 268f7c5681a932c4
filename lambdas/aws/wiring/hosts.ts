// Host commands through SSM Run Command, for the entries that send, check or validate them: only these bundles carry
// the document loader and read documents/ beside index.js. The api only validates steps at submission: it gets the
// documents and the parameter check, not the SSM adapter.
import type { SSMClient } from '@aws-sdk/client-ssm';
import { loadDocuments, SsmHostCommands } from '../../adapters/aws/ssm-host-commands';
import { stepParameters } from '../../core/documents';
import { ValidationError } from '../../core/errors';
import type { HostCommands } from '../../ports';
import { documentsDir, partialPort, type AwsBase } from '../deps';

export function ssmHostCommands(client: SSMClient, base: AwsBase, dir: string = documentsDir()): SsmHostCommands {
  return new SsmHostCommands(client, {
    // Read at cold start: a function deployed without its documents fails at once, not at the first ACT step.
    documents: loadDocuments(dir),
    documentNamePrefix: base.env.DOCUMENT_NAME_PREFIX,
    logGroupName: base.env.COMMAND_LOG_GROUP,
  });
}

/** `hosts.validate` over the bundled documents, read at cold start; sending, reading or cancelling fails loudly. */
export function documentValidator(base: AwsBase, dir: string = documentsDir()): HostCommands {
  const documents = loadDocuments(dir);
  return partialPort<HostCommands>(base.name, 'hosts', {
    // The SSM adapter's check and message (SsmHostCommands.validate), without its client and commands.
    validate: async (step) => {
      const doc = Object.hasOwn(documents, step.document) ? documents[step.document] : undefined;
      if (!doc) {
        throw new ValidationError(`document: no document named ${JSON.stringify(step.document)}`,
          [{ path: 'document', message: `unknown document ${JSON.stringify(step.document)}` }]);
      }
      return stepParameters(step.document, doc, step);
    },
  }, 'the api validates the steps of a submission against the bundled documents and sends no command');
}
