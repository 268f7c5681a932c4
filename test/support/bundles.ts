// Each Lambda entry built as `cdk synth` builds it (lib/bundling.ts options, nothing written): its minified size, what
// it is made of, and which AWS SDK clients and commands it really contains (from the esbuild metafile: with the SDK's
// ES modules every command is its own file, and one the code never sends is tree-shaken out).
import { build } from 'esbuild';
import { FUNCTION_NAMES, type FunctionName } from '../../lambdas/aws/env';
import { esbuildOptions } from '../../lib/bundling';

/** Each client package's IAM service prefix. */
const IAM_PREFIX: Record<string, string> = {
  'client-dynamodb': 'dynamodb', 'client-ssm': 'ssm', 'client-cloudwatch': 'cloudwatch', 'client-sfn': 'states',
  'client-sns': 'sns', 'client-secrets-manager': 'secretsmanager', 'client-scheduler': 'scheduler',
};
const COMMAND_FILE = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\/dist-es\/commands\/([A-Za-z0-9]+)Command\.js$/;
const CLIENT_FILE = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//;

export interface EntryBundle {
  name: FunctionName;
  bytes: number;
  /** Input files by bytes they put into the output, largest first. */
  inputs: { path: string; bytes: number }[];
  /** `prefix:Operation` of every SDK command class in the bundle. */
  commands: string[];
  /** IAM prefixes of the SDK clients in the bundle. */
  clients: string[];
}

export async function buildEntry(name: FunctionName): Promise<EntryBundle> {
  const result = await build(esbuildOptions(name));
  const inputs = Object.values(result.metafile.outputs).flatMap((o) => Object.entries(o.inputs).map(([path, { bytesInOutput }]) => ({ path, bytes: bytesInOutput })))
    .filter((i) => i.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  const prefixOf = (pkg: string): string => {
    const prefix = IAM_PREFIX[pkg];
    if (!prefix) throw new Error(`${name}: bundle holds @aws-sdk/${pkg}, which test/support/bundles.ts has no IAM prefix for`);
    return prefix;
  };
  const commands = [...new Set(inputs.flatMap((i) => {
    const m = COMMAND_FILE.exec(i.path);
    return m ? [`${prefixOf(m[1] as string)}:${m[2] as string}`] : [];
  }))].sort();
  const clients = [...new Set(inputs.flatMap((i) => {
    const m = CLIENT_FILE.exec(i.path);
    return m ? [prefixOf(m[1] as string)] : [];
  }))].sort();
  return { name, bytes: result.outputFiles.reduce((n, f) => n + f.contents.length, 0), inputs, commands, clients };
}

/** One after the other: the machine may be shared, and esbuild uses every core for one build already. */
export async function buildEntries(): Promise<Map<FunctionName, EntryBundle>> {
  const bundles = new Map<FunctionName, EntryBundle>();
  for (const name of FUNCTION_NAMES) bundles.set(name, await buildEntry(name));
  return bundles;
}

export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
