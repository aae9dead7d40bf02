import { readFileSync } from 'node:fs';
import { decide } from '../../lambda/domain/charge.js';
import { chargeEventSchema, eventAttributes } from '../../lambda/domain/events.js';
import { observeCheckout, parseCheckout } from '../../lambda/domain/observation.js';
import { eventJsonSchema, SCHEMA_PATH } from '../../tools/schema.js';
import { envelope, paymentEvent } from '../picpay-examples.support.js';

describe('event contract', () => {
  const env = envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: JSON.stringify(paymentEvent({ status: 'PAID' })) });
  const decision = decide(null, observeCheckout(env, parseCheckout(env), Date.parse('2024-07-01T19:00:01Z')), '2024-07-01T19:00:01.000Z', {
    outboxLeaseMs: 60_000,
  });
  const event = decision.kind === 'applied' ? decision.event : undefined;

  test('events the reducer builds satisfy the published schema', () => {
    expect(chargeEventSchema.parse(event)).toEqual(event);
  });

  test('message attributes carry type, status, previous status, flavour, event type and whether PicPay confirmed it', () => {
    expect(eventAttributes(event!)).toEqual({
      type: 'picpay.charge.status_changed',
      status: 'PAID',
      previousStatus: 'NONE',
      flavour: 'checkout',
      eventType: 'TransactionUpdateMessage',
      confirmed: 'false',
    });
  });

  test('docs/events.schema.json is generated from the code (run `npm run schema` if this fails)', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(eventJsonSchema());
  });
});
