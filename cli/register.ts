import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { signForExecuteApi } from './sigv4-sign.js';
import type { Io } from './io.js';
import { CliError, type Target } from './target.js';

/**
 * `register <referenceId> [--expires-at ISO]`: what a merchant's backend does right after
 * PicPay's `POST /ecommerce/public/payments`: a SigV4-signed POST to the stack's /charges route,
 * so reconciliation follows the payment even if every callback is lost.
 */
export async function register(referenceId: string, expiresAt: string | undefined, target: Target, io: Io): Promise<number> {
  if (!target.registrationUrl) throw new CliError(`${target.name} has no registration route (RegistrationUrl output): deploy the current version.`);
  const region = target.aws.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError("Pass --region: the request is signed for the stack's region.");
  const credentials = target.aws.credentials ?? (await defaultProvider()());
  const body = JSON.stringify({ referenceId, ...(expiresAt ? { expiresAt } : {}) });
  const headers = await signForExecuteApi(target.registrationUrl, 'POST', body, credentials, region);
  const response = await fetch(target.registrationUrl, { method: 'POST', headers, body });
  const text = await response.text();
  if (response.status === 202) {
    io.out(`Registered legacy payment ${referenceId}: reconciliation will follow it until PicPay reports a final status.`);
    return 0;
  }
  io.err(`Not registered: HTTP ${response.status} ${text}`);
  return 1;
}
