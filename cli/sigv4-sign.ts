import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/** Signs a request for an API Gateway route with AWS_IAM authorization (the CLI's side). */
export async function signForExecuteApi(
  url: string,
  method: string,
  body: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
): Promise<Record<string, string>> {
  const u = new URL(url);
  const signer = new SignatureV4({ credentials, region, service: 'execute-api', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({
    method,
    protocol: u.protocol,
    hostname: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    path: u.pathname,
    query: Object.fromEntries(u.searchParams.entries()),
    headers: { host: u.host, 'content-type': 'application/json' },
    body,
  });
  return signed.headers as Record<string, string>;
}
