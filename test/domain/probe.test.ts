import { handleProbe, parseProbe, probeBody, type ProbeRecord } from '../../lambda/domain/probe.js';
import { type ProbeEvent, probeEventAttributes, probeEventSchema } from '../../lambda/domain/events.js';
import { envelope, LEGACY_CALLBACK, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';

const PROBE_BODY = '{"picpayWebhooksProbe":{"id":"doctor-3f2a9c1e","sentAt":"2026-11-23T10:00:00.000Z"}}';

describe('probes (picpay-webhooks doctor)', () => {
  test('a probe body is recognized on either flavour', () => {
    for (const flavour of ['checkout', 'legacy'] as const) {
      expect(parseProbe(envelope({ flavour, body: PROBE_BODY }))).toEqual({ id: 'doctor-3f2a9c1e', sentAt: '2026-11-23T10:00:00.000Z' });
    }
  });

  test("PicPay's own notifications are never probes", () => {
    for (const body of [paymentEvent(), THREE_DS_EVENT, LEGACY_CALLBACK])
      expect(parseProbe(envelope({ flavour: 'checkout', body: JSON.stringify(body) }))).toBeNull();
    expect(parseProbe(envelope({ flavour: 'checkout', body: '' }))).toBeNull();
    expect(parseProbe(envelope({ flavour: 'checkout', body: '{"picpayWebhooksProbe": ' }))).toBeNull();
    // The key alone is not enough: it needs a well-formed id and a time.
    expect(parseProbe(envelope({ flavour: 'checkout', body: '{"picpayWebhooksProbe":{"id":"x"}}' }))).toBeNull();
    expect(parseProbe(envelope({ flavour: 'checkout', body: '{"picpayWebhooksProbe":{"id":"has spaces in it","sentAt":"t"}}' }))).toBeNull();
    expect(parseProbe(envelope({ flavour: 'checkout', body: '["picpayWebhooksProbe"]' }))).toBeNull();
  });

  test('publishes a probe event of its own type, then records the probe with the SNS message id', async () => {
    const calls: string[] = [];
    const published: ProbeEvent[] = [];
    const recorded: ProbeRecord[] = [];
    const env = envelope({ flavour: 'checkout', body: PROBE_BODY, requestId: 'req-probe', receivedAt: '2026-11-23T10:00:00.100Z' });
    await handleProbe(parseProbe(env)!, env, {
      publishProbe: async (e) => {
        calls.push('publish');
        published.push(e);
        return 'sns-message-1';
      },
      recordProbe: async (r) => {
        calls.push('record');
        recorded.push(r);
      },
      now: () => Date.parse('2026-11-23T10:00:01.000Z'),
    });
    expect(calls).toEqual(['publish', 'record']);
    expect(published).toEqual([
      {
        specVersion: '1.4',
        type: 'picpay.webhooks.probe',
        probeId: 'doctor-3f2a9c1e',
        flavour: 'checkout',
        sentAt: '2026-11-23T10:00:00.000Z',
        recordedAt: '2026-11-23T10:00:01.000Z',
        source: { requestId: 'req-probe' },
      },
    ]);
    expect(recorded).toEqual([
      {
        probeId: 'doctor-3f2a9c1e',
        flavour: 'checkout',
        requestId: 'req-probe',
        sentAt: '2026-11-23T10:00:00.000Z',
        receivedAt: '2026-11-23T10:00:00.100Z',
        recordedAt: '2026-11-23T10:00:01.000Z',
        messageId: 'sns-message-1',
      },
    ]);
  });

  test('when the publish fails, nothing is recorded and the failure propagates (the message is retried)', async () => {
    const env = envelope({ flavour: 'legacy', body: PROBE_BODY });
    const recorded: unknown[] = [];
    await expect(
      handleProbe(parseProbe(env)!, env, {
        publishProbe: async () => {
          throw new Error('SNS down');
        },
        recordProbe: async (r) => void recorded.push(r),
        now: Date.now,
      }),
    ).rejects.toThrow('SNS down');
    expect(recorded).toEqual([]);
  });

  test('what the doctor sends is what the processor recognizes', () => {
    expect(probeBody({ id: 'doctor-3f2a9c1e', sentAt: '2026-11-23T10:00:00.000Z' })).toBe(PROBE_BODY);
  });

  test('ids: 8 to 64 letters, digits or hyphens', () => {
    const probe = (id: string) => parseProbe(envelope({ flavour: 'checkout', body: JSON.stringify({ picpayWebhooksProbe: { id, sentAt: 't' } }) }));
    expect(probe('abcdefgh')).toEqual({ id: 'abcdefgh', sentAt: 't' });
    expect(probe('a'.repeat(64))).not.toBeNull();
    expect(probe('abcdefg')).toBeNull();
    expect(probe('a'.repeat(65))).toBeNull();
    expect(probe('abcdefgh\n')).toBeNull();
    expect(probe('xabcdefgh;')).toBeNull();
    expect(parseProbe(envelope({ flavour: 'checkout', body: '{"picpayWebhooksProbe":{"id":"abcdefgh","sentAt":5}}' }))).toBeNull();
    expect(parseProbe(envelope({ flavour: 'checkout', body: '{"picpayWebhooksProbe":null}' }))).toBeNull();
    expect(parseProbe(envelope({ flavour: 'checkout', body: 'null' }))).toBeNull();
  });

  test('a body that is base64 or still compressed is never a probe', () => {
    expect(parseProbe(envelope({ flavour: 'checkout', body: PROBE_BODY, bodyEncoding: 'base64' } as never))).toBeNull();
    expect(parseProbe(envelope({ flavour: 'checkout', body: PROBE_BODY, contentEncoding: 'gzip' } as never))).toBeNull();
    expect(parseProbe(envelope({ flavour: 'checkout', body: PROBE_BODY, bodyEncoding: 'utf8' } as never))).not.toBeNull();
  });

  test('probe events carry only the type and flavour attributes, and match their schema', () => {
    const event: ProbeEvent = {
      specVersion: '1.4',
      type: 'picpay.webhooks.probe',
      probeId: 'doctor-3f2a9c1e',
      flavour: 'legacy',
      sentAt: 't1',
      recordedAt: 't2',
      source: { requestId: 'r' },
    };
    expect(probeEventAttributes(event)).toEqual({ type: 'picpay.webhooks.probe', flavour: 'legacy' });
    expect(probeEventSchema.parse(event)).toEqual(event);
    expect(probeEventSchema.safeParse({ ...event, type: 'picpay.charge.status_changed' }).success).toBe(false);
    expect(probeEventSchema.safeParse({ ...event, flavour: 'pix' }).success).toBe(false);
    expect(probeEventSchema.safeParse({ ...event, specVersion: '0.9' }).success).toBe(false);
    for (const key of ['probeId', 'sentAt', 'recordedAt', 'source'] as const) {
      const { [key]: _gone, ...rest } = event;
      expect([key, probeEventSchema.safeParse(rest).success]).toEqual([key, false]);
    }
    expect(probeEventSchema.safeParse({ ...event, source: {} }).success).toBe(false);
  });
});
