import * as z from 'zod/mini';
import type { Envelope } from './envelope.js';
import { EVENT_SPEC_VERSION, PROBE_EVENT_TYPE } from './events.js';
import type { ProbeLog, ProbePublisher } from './ports.js';

/**
 * Probes: `picpay-webhooks doctor` sends an authenticated request whose body is
 * `{"picpayWebhooksProbe": {"id": "...", "sentAt": "..."}}` to each webhook URL. The
 * authenticator treats it like any notification (token check, enqueue); the processor
 * recognizes it before anything else, publishes a probe event (never a charge event), and
 * records the probe (pk `PROBE`), which the doctor reads back. No charge is created or changed.
 */
export const PROBE_BODY_KEY = 'picpayWebhooksProbe';

export interface Probe {
  readonly id: string;
  readonly sentAt: string;
}

export interface ProbeRecord {
  readonly probeId: string;
  readonly flavour: Envelope['flavour'];
  readonly requestId: string;
  readonly sentAt: string;
  readonly receivedAt: string;
  readonly recordedAt: string;
  /** The SNS message id of the probe event: proof it reached the topic. */
  readonly messageId: string;
}

export interface ProbeDeps extends ProbePublisher, ProbeLog {
  readonly now: () => number;
}

/** The probe body: one member, an id of 8 to 64 letters, digits or hyphens, and a time. */
const probeRequestSchema = z.object({
  [PROBE_BODY_KEY]: z.object({ id: z.string().check(z.regex(/^[A-Za-z0-9-]{8,64}$/)), sentAt: z.string() }),
});

export function probeBody(probe: Probe): string {
  return JSON.stringify({ [PROBE_BODY_KEY]: probe });
}

/** The probe an envelope carries, or null for every real notification. */
export function parseProbe(envelope: Envelope): Probe | null {
  // A probe is always UTF-8 JSON sent as is: a base64 or still-compressed body is not one.
  if (envelope.bodyEncoding === 'base64' || envelope.contentEncoding !== undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(envelope.body);
  } catch {
    return null;
  }
  const parsed = probeRequestSchema.safeParse(json);
  return parsed.success ? { id: parsed.data[PROBE_BODY_KEY].id, sentAt: parsed.data[PROBE_BODY_KEY].sentAt } : null;
}

/** Publishes the probe event, then records the probe with the message id SNS gave it. */
export async function handleProbe(probe: Probe, envelope: Envelope, deps: ProbeDeps): Promise<ProbeRecord> {
  const recordedAt = new Date(deps.now()).toISOString();
  const messageId = await deps.publishProbe({
    specVersion: EVENT_SPEC_VERSION,
    type: PROBE_EVENT_TYPE,
    probeId: probe.id,
    flavour: envelope.flavour,
    sentAt: probe.sentAt,
    recordedAt,
    source: { requestId: envelope.requestId },
  });
  const record: ProbeRecord = {
    probeId: probe.id,
    flavour: envelope.flavour,
    requestId: envelope.requestId,
    sentAt: probe.sentAt,
    receivedAt: envelope.receivedAt,
    recordedAt,
    messageId,
  };
  await deps.recordProbe(record);
  return record;
}
