// SigV4 for the CLI's `--endpoint`: requests to the deployed API (API Gateway with IAM auth, service execute-api)
// are signed with the caller's own AWS credentials from the default provider chain.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

type SignableRequest = Parameters<SignatureV4['sign']>[0];
type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

export interface SignInput {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: string;
}

export interface SignOptions {
  credentials: Credentials;
  region: string;
  service?: string;
  /** Fixed in tests; now by default. */
  signingDate?: Date;
}

/** `https://<id>.execute-api.<region>.amazonaws.com/<stage>` names its region; a custom domain does not. */
export function regionFromUrl(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

/** The headers to send: the given ones plus host, x-amz-date, the session token if any, and authorization. */
export async function signRequest(input: SignInput, options: SignOptions): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
    // API Gateway needs no x-amz-content-sha256 header: the payload hash is part of the canonical request anyway.
    applyChecksum: false,
  });
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of input.url.searchParams) {
    const prior = query[name];
    query[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  const request: SignableRequest = {
    method: input.method.toUpperCase(),
    protocol: input.url.protocol,
    hostname: input.url.hostname,
    ...(input.url.port ? { port: Number(input.url.port) } : {}),
    path: input.url.pathname,
    query,
    headers: { ...input.headers, host: input.url.host },
    ...(input.body !== undefined ? { body: input.body } : {}),
  };
  const signed = await signer.sign(request, options.signingDate ? { signingDate: options.signingDate } : {});
  return signed.headers;
}
