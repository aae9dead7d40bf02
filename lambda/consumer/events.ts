import * as z from 'zod/mini';
import { type ChargeEvent, chargeEventSchema, EVENT_SPEC_VERSION, EVENT_TYPES, PROBE_EVENT_TYPE, type ProbeEvent, probeEventSchema } from '../domain/events.js';

/**
 * The consumer kit: what a merchant's system needs to read the events this pipeline publishes
 * on its SNS topic (docs/events.md), importable as `picpay-webhooks/events`. The schemas are the
 * publisher's own (lambda/domain/events.ts), read with the compatibility promise:
 *
 * - any `specVersion` 1.x is accepted, and fields this version does not know are kept (a newer
 *   publisher only adds fields); a field added after 1.0 that an older publisher did not send
 *   takes its neutral value (`reason`, `paymentType`, `paymentLinkId`: null; `confirmed`: false,
 *   "what a notification's body said"), so messages still queued across an upgrade parse;
 * - another major is refused with an EventParseError naming it: its fields may mean something
 *   else, so it must not be guessed at;
 * - a probe (`picpay-webhooks doctor`) and a 1.x type this version does not know are recognised
 *   and returned as such, for the consumer to skip.
 */

export type { ChargeEvent, ProbeEvent };
export { EVENT_SPEC_VERSION, EVENT_TYPES, PROBE_EVENT_TYPE };

/** The major version this kit reads. */
export const SUPPORTED_MAJOR = Number(EVENT_SPEC_VERSION.split('.')[0]);

export type ChargeEventType = ChargeEvent['type'];
export type CanonicalStatus = NonNullable<ChargeEvent['status']>;
export type Flavour = ChargeEvent['flavour'];

/** What a message held. */
export type ParsedEvent =
  | { readonly kind: 'charge'; readonly event: ChargeEvent }
  | { readonly kind: 'probe'; readonly event: ProbeEvent }
  /** A 1.x type this version of the kit does not know: skip it (docs/events.md). */
  | { readonly kind: 'unknown'; readonly type: string; readonly specVersion: string };

/** The message is not an event this kit can read: retrying will not help (let it reach the DLQ). */
export class EventParseError extends Error {
  override readonly name = 'EventParseError';
}

const specVersionOfThisMajor = z.string().check(z.regex(new RegExp(`^${SUPPORTED_MAJOR}\\.\\d+$`), `a ${SUPPORTED_MAJOR}.x version`));

// The publisher's shapes, loose (fields a newer 1.x adds are kept), any 1.x accepted.
const chargeSchema = z.looseObject({
  ...chargeEventSchema.shape,
  specVersion: specVersionOfThisMajor,
  // Added after 1.0: absent from an older publisher's events (docs/events.md, `specVersion`).
  reason: z._default(chargeEventSchema.shape.reason, null),
  paymentType: z._default(chargeEventSchema.shape.paymentType, null),
  paymentLinkId: z._default(chargeEventSchema.shape.paymentLinkId, null),
  confirmed: z._default(chargeEventSchema.shape.confirmed, false),
});

const probeSchema = z.looseObject({ ...probeEventSchema.shape, specVersion: specVersionOfThisMajor });

const CHARGE_TYPES: readonly string[] = Object.values(EVENT_TYPES);

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new EventParseError(`${what} is not JSON`);
  }
}

/**
 * The event object inside what a consumer received: a raw message body (a string, the event's
 * JSON), an SNS notification envelope (`{"Type":"Notification","Message":"…"}`, a subscription
 * without raw message delivery), an SQS record (`{ body }`, of either), or a Lambda SNS record
 * (`{ Sns: { Message } }`).
 */
function unwrap(input: unknown): unknown {
  let value: unknown = input;
  for (let depth = 0; depth < 4; depth++) {
    if (typeof value === 'string') {
      value = json(value, 'the message body');
      continue;
    }
    if (!isObject(value)) break;
    if (value.Type === 'Notification' && typeof value.Message === 'string') {
      value = json(value.Message, 'the SNS notification Message');
    } else if (typeof value.body === 'string' && !('specVersion' in value)) {
      value = value.body; // an SQS record
    } else if (isObject(value.Sns) && typeof value.Sns.Message === 'string') {
      value = json(value.Sns.Message, 'the SNS record Message');
    } else break;
  }
  return value;
}

const problems = (error: z.core.$ZodError) => error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');

/**
 * Reads one message: a charge event, a probe, or a 1.x type this kit does not know. Throws an
 * EventParseError when it is not JSON, not an event, of another major `specVersion`, or a
 * charge event that does not match its schema.
 */
export function parseEvent(input: unknown): ParsedEvent {
  const value = unwrap(input);
  if (!isObject(value)) throw new EventParseError('the message is not an event object');
  const { specVersion, type } = value;
  if (typeof specVersion !== 'string') throw new EventParseError('the event has no specVersion');
  const major = specVersion.split('.')[0];
  if (major !== String(SUPPORTED_MAJOR) || !specVersionOfThisMajor.safeParse(specVersion).success)
    throw new EventParseError(
      `unsupported specVersion ${JSON.stringify(specVersion)}: this kit reads ${SUPPORTED_MAJOR}.x (written for ${EVENT_SPEC_VERSION}); ` +
        'a new major may change what fields mean: upgrade picpay-webhooks before reading it',
    );
  if (typeof type !== 'string') throw new EventParseError('the event has no type');
  if (type === PROBE_EVENT_TYPE) {
    const probe = probeSchema.safeParse(value);
    if (!probe.success) throw new EventParseError(`not a valid probe event: ${problems(probe.error)}`);
    return { kind: 'probe', event: probe.data as ProbeEvent };
  }
  if (!CHARGE_TYPES.includes(type)) return { kind: 'unknown', type, specVersion };
  const charge = chargeSchema.safeParse(value);
  if (!charge.success) throw new EventParseError(`not a valid ${type} event: ${problems(charge.error)}`);
  return { kind: 'charge', event: charge.data as ChargeEvent };
}

/**
 * A charge event, or null for a message to skip (a probe, or a 1.x type this kit does not
 * know). Throws an EventParseError like parseEvent.
 */
export function parseChargeEvent(input: unknown): ChargeEvent | null {
  const parsed = parseEvent(input);
  return parsed.kind === 'charge' ? parsed.event : null;
}
