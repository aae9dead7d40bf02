/**
 * What to do about a failure, by what failed: the network, TLS, the AWS credentials, an AWS
 * permission, a region or service the account does not have. Doctor and the CLI print this
 * instead of one "check your credentials" for everything. Pure: it reads the error's name, code
 * and cause chain (Node's fetch puts the socket error in `cause`).
 */
export interface Advice {
  /** What went wrong, in a few words (the error's own message is added by the caller). */
  readonly what: string;
  readonly fix: string;
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The error and its causes, outermost first (a cycle or a deep chain stops at 10). */
function chain(error: unknown): Array<{ name?: string; code?: string; message?: string; hostname?: string }> {
  const out: Array<{ name?: string; code?: string; message?: string; hostname?: string }> = [];
  for (let e: unknown = error; e !== null && typeof e === 'object' && out.length < 10; e = (e as { cause?: unknown }).cause) {
    out.push(e as { name?: string; code?: string; message?: string; hostname?: string });
  }
  return out;
}

export function adviceFor(error: unknown, context: { readonly region?: string } = {}): Advice {
  const links = chain(error);
  const has = (pick: (e: (typeof links)[number]) => string | undefined, values: readonly string[]) => links.find((e) => values.includes(pick(e) ?? ''));
  const region = context.region ?? 'this region';

  const tls = links.find((e) => TLS_CODES.has(e.code ?? ''));
  if (tls)
    return {
      what: `TLS failed (${tls.code})`,
      fix: 'the certificate does not match the host or is not trusted: check the custom domain certificate (certificateArn), or use the execute-api URL',
    };

  const dns = has((e) => e.code, ['ENOTFOUND', 'EAI_AGAIN']);
  if (dns) {
    if (/amazonaws\.com/.test(dns.hostname ?? '')) {
      return {
        what: `the AWS endpoint ${dns.hostname} does not resolve`,
        fix: `the service is not offered in ${region}, or the region name is wrong: check --region / AWS_REGION`,
      };
    }
    return {
      what: `the host ${dns.hostname ?? ''} does not resolve`.trim(),
      fix: 'check the URL (the stack outputs) and, for a custom domain, its DNS record',
    };
  }
  if (has((e) => e.code, ['ECONNREFUSED']))
    return { what: 'the connection was refused', fix: 'nothing listens there: for the local pipeline, is `npm start` running? otherwise check the URL' };
  if (has((e) => e.code ?? e.name, ['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'TimeoutError', 'AbortError'])) {
    return {
      what: 'no answer in time',
      fix: 'a firewall, proxy or private endpoint is in the way, or the network is down: try the URL with curl from this machine',
    };
  }
  if (has((e) => e.code, ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']))
    return { what: 'the connection was cut', fix: 'a proxy or firewall closed it: try again, then the URL with curl' };

  if (has((e) => e.name, ['CredentialsProviderError']))
    return { what: 'no AWS credentials found', fix: 'set AWS_PROFILE (or run `aws configure` / `aws sso login`), then run it again' };
  if (has((e) => e.name, ['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired']))
    return { what: 'the AWS session expired', fix: 'log in again (`aws sso login`, or new temporary credentials), then run it again' };
  if (has((e) => e.name, ['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch'])) {
    return {
      what: 'AWS does not accept these credentials',
      fix: 'the access key is wrong or deleted, or the clock is off: check `aws sts get-caller-identity`',
    };
  }
  if (has((e) => e.name, ['OptInRequired', 'AuthFailure']))
    return { what: `the account does not have ${region} enabled`, fix: 'enable the region for the account (an opt-in region), or deploy elsewhere' };
  const denied = has((e) => e.name, ['AccessDenied', 'AccessDeniedException', 'AuthorizationError', 'UnauthorizedOperation']);
  if (denied)
    return {
      what: 'your AWS role is not allowed to do this',
      fix: 'add the permission docs/cli.md lists for this command (reading a secret also needs the role in operatorRoleArns)',
    };
  if (has((e) => e.name, ['ResourceNotFoundException', 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NotFoundException'])) {
    return {
      what: 'the AWS resource does not exist',
      fix: `the stack was deleted or changed, or it lives in another region than ${region}: check --stack and --region`,
    };
  }
  if (has((e) => e.name, ['ThrottlingException', 'TooManyRequestsException', 'Throttling']))
    return { what: 'AWS throttled the request', fix: 'wait a minute and run it again' };
  return { what: 'the check failed', fix: 'check your AWS credentials, region and permissions, then run doctor again' };
}
