import * as z from 'zod/mini';
import { picpayTime } from './dates.js';
import { ENVELOPE_VERSION, type Envelope } from './envelope.js';
import { REGISTRATION_EVENT_TYPE } from './event-types.js';
import { pathSegmentMessage, pathSegmentProblem } from './ids.js';
import { MAX_ID_LENGTH } from './limits.js';

/**
 * A legacy payment the merchant's own system created with PicPay's
 * `POST /ecommerce/public/payments`, registered with us so that reconciliation follows it even
 * when every callback is lost (PicPay sends none for `created`). The route is authorized with
 * AWS IAM, never with the PicPay tokens. zod/mini: the authenticator validates this body too,
 * and its bundle stays small.
 */
export const registrationSchema = z.pipe(
  z.object({
    referenceId: z
      .pipe(
        z.union([z.string(), z.number().check(z.int())]),
        z.transform((v) => String(v).trim()),
      )
      .check(
        z.minLength(1),
        z.maxLength(MAX_ID_LENGTH),
        // Reconciliation puts it in PicPay's status API path: it must be one path segment.
        z.refine((id) => pathSegmentProblem(id) === null, { error: (issue) => pathSegmentMessage(String(issue.input)) }),
      ),
    expiresAt: z.optional(z.nullable(z.string().check(z.refine((s) => picpayTime(s) !== null, 'not an ISO 8601 date-time')))),
  }),
  z.transform((r) => ({
    referenceId: r.referenceId,
    expiresAt: r.expiresAt ? new Date(picpayTime(r.expiresAt)!).toISOString() : null,
  })),
);

export type RegistrationRequest = z.output<typeof registrationSchema>;

export type RegistrationDecision =
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'invalid'; readonly problems: string }
  | { readonly kind: 'accept'; readonly envelope: Envelope; readonly request: RegistrationRequest };

/**
 * `POST /charges`: API Gateway has already verified the caller's SigV4 signature against IAM
 * and names the caller in `callerArn`; without one (a route deployed without IAM authorization)
 * nothing is accepted. A body that is not a registration gets a 400 naming the fields: the
 * caller is the merchant's own system, which can fix and resend it.
 */
export function decideRegistration(body: string | null, callerArn: string | null, requestId: string, receivedAt: string): RegistrationDecision {
  if (!callerArn) return { kind: 'forbidden' };
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return { kind: 'invalid', problems: 'body is not JSON' };
  }
  const result = registrationSchema.safeParse(json);
  if (!result.success) {
    return { kind: 'invalid', problems: result.error.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`).join('; ') };
  }
  const request = result.data;
  return {
    kind: 'accept',
    request,
    envelope: {
      v: ENVELOPE_VERSION,
      flavour: 'legacy',
      eventType: REGISTRATION_EVENT_TYPE,
      receivedAt,
      requestId,
      origin: 'merchant',
      // Only the two fields we keep: nothing else the caller sent is stored.
      body: JSON.stringify({ referenceId: request.referenceId, expiresAt: request.expiresAt }),
    },
  };
}
