import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * What API Gateway does for a method with AWS_IAM authorization, for the local runtime: the
 * request must carry a SigV4 signature for service `execute-api` made with the local
 * credentials. The signature is recomputed with the AWS SDK's own signer over the headers the
 * caller signed and the body received, and compared. (Locally there is no IAM policy to evaluate: the local
 * credentials may call the route.)
 */
export interface LocalIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** Reported to the handler as the caller, like requestContext.identity.userArn. */
  readonly userArn: string;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

export type SigV4Check = { ok: true } | { ok: false; status: 403; message: string };

export async function verifySigV4(req: IncomingMessage, body: Buffer, identity: LocalIdentity): Promise<SigV4Check> {
  const header = req.headers.authorization;
  if (!header) return { ok: false, status: 403, message: 'Missing Authentication Token' };
  const m = AUTH.exec(header.trim());
  const amzDate = req.headers['x-amz-date'];
  if (!m || typeof amzDate !== 'string') return { ok: false, status: 403, message: 'Authorization header requires a SigV4 signature' };
  const [, accessKeyId, , region, service, signedHeaders, signature] = m;
  if (accessKeyId !== identity.accessKeyId) return { ok: false, status: 403, message: 'The security token included in the request is invalid.' };
  if (service !== 'execute-api' || region !== identity.region) {
    return { ok: false, status: 403, message: `Credential should be scoped to a valid region and service execute-api (got ${region}/${service})` };
  }
  const date = parseAmzDate(amzDate);
  if (date === null || Math.abs(Date.now() - date.getTime()) > 5 * 60_000) {
    return { ok: false, status: 403, message: 'Signature expired or x-amz-date invalid' };
  }
  const url = new URL(req.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) {
    const value = req.headers[name];
    if (value === undefined) return { ok: false, status: 403, message: `Signed header ${name} is missing` };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // The signer takes a signed x-amz-content-sha256 header as the body's hash without hashing the
  // body: it must be the hash of the body received (never UNSIGNED-PAYLOAD), or the signature
  // would cover another body.
  const claimed = headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== createHash('sha256').update(body).digest('hex')) {
    return { ok: false, status: 403, message: 'The request body does not match its signed x-amz-content-sha256.' };
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey },
    region: identity.region,
    service: 'execute-api',
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams.entries()),
      headers,
      body,
    },
    { signingDate: date },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1];
  return expected === signature
    ? { ok: true }
    : { ok: false, status: 403, message: 'The request signature we calculated does not match the signature you provided.' };
}

function parseAmzDate(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
