import { EventParseError, parseChargeEvent, parseEvent } from '../../lambda/consumer/events.js';

/**
 * The consumer kit's parser (picpay-webhooks/events), fed what a merchant's queue really
 * receives. Every message here is written by hand: the body is docs/events.md's example, the
 * SNS envelope and the SQS record are the shapes AWS documents ("Amazon SNS message and JSON
 * formats", the Lambda SQS event). None is produced by the publisher's code.
 */
const BODY = `{
  "specVersion": "1.4",
  "type": "picpay.charge.status_changed",
  "transitionId": "3c5f0f1c2b8a4e51a1d7b0e2c9f4a6d8",
  "chargeKey": "checkout#61e35ec2-caa8-4598-bed5-d43e25e14151",
  "flavour": "checkout",
  "chargeId": "61e35ec2-caa8-4598-bed5-d43e25e14151",
  "previousStatus": "AUTHORIZED",
  "status": "PAID",
  "rawStatus": "PAID",
  "amounts": { "currency": "BRL", "amount": 10000, "originalAmount": 10000, "paidAmount": 10000, "refundedAmount": 0 },
  "authorizationId": null,
  "paymentType": "WALLET",
  "paymentLinkId": null,
  "threeDs": { "status": "Approved", "paresStatus": "Y", "eci": "05", "picpayChargeId": "bac0ffd7-e4cb-48c7-9f3e-a05ff7eb40a1" },
  "occurredAt": "2024-07-01T19:05:00.000Z",
  "recordedAt": "2024-07-01T19:05:00.412Z",
  "confirmed": true,
  "source": { "eventType": "TransactionUpdateMessage", "requestId": "c2f6cbfc-fd0d-4973-b69f-e7a2310dbd3e" }
}`;

const PROBE = `{"specVersion":"1.4","type":"picpay.webhooks.probe","probeId":"doctor-6d1f3a2e","flavour":"checkout","sentAt":"2026-12-04T10:00:00.000Z","recordedAt":"2026-12-04T10:00:01.200Z","source":{"requestId":"5e1a"}}`;

/** An SNS notification envelope, as a subscription without raw message delivery receives it. */
const envelope = (message: string) =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: 'arn:aws:sns:sa-east-1:123456789012:PicPayWebhooks-ChargeEvents',
    Message: message,
    Timestamp: '2024-07-01T19:05:00.500Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL: 'https://sns.sa-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem',
    UnsubscribeURL: 'https://sns.sa-east-1.amazonaws.com/?Action=Unsubscribe',
    MessageAttributes: {
      type: { Type: 'String', Value: 'picpay.charge.status_changed' },
      status: { Type: 'String', Value: 'PAID' },
    },
  });

/** An SQS record of the Lambda event, as the consumer's handler receives it. */
const sqsRecord = (body: string) => ({
  messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
  receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
  body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1719860700500' },
  messageAttributes: { type: { stringValue: 'picpay.charge.status_changed', dataType: 'String' } },
  md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:sa-east-1:123456789012:orders-picpay-events',
  awsRegion: 'sa-east-1',
});

const withField = (changes: Record<string, unknown>, remove: readonly string[] = []) => {
  const e = { ...(JSON.parse(BODY) as Record<string, unknown>), ...changes };
  for (const k of remove) delete e[k];
  return JSON.stringify(e);
};

describe('parseEvent: the forms a consumer receives', () => {
  test.each([
    ['a raw message body', BODY],
    ['an SNS notification envelope (string)', envelope(BODY)],
    ['an SNS notification envelope (object)', JSON.parse(envelope(BODY))],
    ['an SQS record of a raw subscription', sqsRecord(BODY)],
    ['an SQS record of an enveloped subscription', sqsRecord(envelope(BODY))],
    ['a Lambda SNS record', { EventSource: 'aws:sns', Sns: { Type: 'Notification', Message: BODY } }],
  ])('%s gives the charge event', (_form, input) => {
    const parsed = parseEvent(input);
    expect(parsed.kind).toBe('charge');
    const e = parseChargeEvent(input)!;
    expect(e.transitionId).toBe('3c5f0f1c2b8a4e51a1d7b0e2c9f4a6d8');
    expect(e.status).toBe('PAID');
    expect(e.previousStatus).toBe('AUTHORIZED');
    expect(e.amounts?.paidAmount).toBe(10000);
    expect(e.chargeId).toBe('61e35ec2-caa8-4598-bed5-d43e25e14151');
    expect(e.confirmed).toBe(true);
    expect(e.source.eventType).toBe('TransactionUpdateMessage');
  });
});

describe('parseEvent: the compatibility promise (docs/events.md)', () => {
  test('a later 1.x with fields this version does not know is read, the new fields kept', () => {
    const e = parseChargeEvent(withField({ specVersion: '1.9', loyaltyPoints: 12, source: { eventType: 'X', requestId: 'r', region: 'sa-east-1' } }));
    expect(e?.specVersion).toBe('1.9');
    expect((e as unknown as Record<string, unknown>).loyaltyPoints).toBe(12);
    expect(e?.source.requestId).toBe('r');
  });

  test('an older 1.x without the fields added since reads them as null, and as unconfirmed', () => {
    const e = parseChargeEvent(withField({ specVersion: '1.0' }, ['reason', 'paymentType', 'paymentLinkId', 'confirmed']))!;
    expect([e.reason, e.paymentType, e.paymentLinkId, e.confirmed]).toEqual([null, null, null, false]);
  });

  test.each(['2.0', '0.9', '10.1', '1', '1.x', 'v1.4'])('specVersion %p is refused, naming it and the supported major', (v) => {
    expect(() => parseEvent(withField({ specVersion: v }))).toThrow(EventParseError);
    expect(() => parseEvent(withField({ specVersion: v }))).toThrow(`unsupported specVersion "${v}": this kit reads 1.x`);
  });

  test('an unknown major is refused in every form, SQS and envelope included', () => {
    const v2 = withField({ specVersion: '2.0' });
    expect(() => parseChargeEvent(sqsRecord(envelope(v2)))).toThrow('unsupported specVersion "2.0"');
  });

  test('a 1.x type this version does not know is returned for skipping, not refused', () => {
    const other = JSON.stringify({ specVersion: '1.7', type: 'picpay.charge.something_new', chargeKey: 'checkout#1' });
    expect(parseEvent(sqsRecord(other))).toEqual({ kind: 'unknown', type: 'picpay.charge.something_new', specVersion: '1.7' });
    expect(parseChargeEvent(other)).toBeNull();
  });
});

describe('parseEvent: probes from picpay-webhooks doctor', () => {
  test.each([
    ['raw', PROBE],
    ['enveloped', envelope(PROBE)],
    ['SQS record', sqsRecord(PROBE)],
  ])('a probe (%s) is recognised, and parseChargeEvent skips it', (_form, input) => {
    const parsed = parseEvent(input);
    expect(parsed.kind).toBe('probe');
    expect(parsed.kind === 'probe' && parsed.event.probeId).toBe('doctor-6d1f3a2e');
    expect(parseChargeEvent(input)).toBeNull();
  });
});

describe('parseEvent: what it refuses', () => {
  test.each([
    ['not JSON', 'PAID!', 'the message body is not JSON'],
    ['an envelope whose Message is not JSON', envelope('oops'), 'the SNS notification Message is not JSON'],
    ['a JSON array', '[1,2]', 'not an event object'],
    ['no specVersion', '{"type":"picpay.charge.status_changed"}', 'no specVersion'],
    ['no type', '{"specVersion":"1.4"}', 'no type'],
    ['a status that is not canonical', withField({ status: 'PAGO' }), 'not a valid picpay.charge.status_changed event: status'],
    [
      'amounts in reais',
      withField({ amounts: { currency: 'BRL', amount: 100.5, originalAmount: null, paidAmount: null, refundedAmount: null } }),
      'amounts.amount',
    ],
    ['no transitionId', withField({}, ['transitionId']), 'transitionId'],
    ['a probe without its id', PROBE.replace('"probeId":"doctor-6d1f3a2e",', ''), 'not a valid probe event: probeId'],
  ])('%s', (_what, input, message) => {
    expect(() => parseEvent(input)).toThrow(EventParseError);
    expect(() => parseEvent(input)).toThrow(message);
  });
});
