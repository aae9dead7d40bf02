import { ParkError } from '../../lambda/domain/errors.js';
import { parseCheckout } from '../../lambda/domain/observation.js';
import { envelope, paymentEvent } from '../picpay-examples.support.js';

/**
 * The body's `type` says what a checkout notification is. A body whose type we do not know is
 * not read as a payment because the header says TransactionUpdateMessage: it is parked, so a new
 * PicPay event kind is seen by an operator instead of being misread as a status change.
 */
describe('checkout body type against the header', () => {
  const body = (type: string | undefined) => {
    const event: Record<string, unknown> = { ...paymentEvent({ status: 'PAID' }) };
    if (type === undefined) delete event.type;
    else event.type = type;
    return JSON.stringify(event);
  };

  test('an unknown body type parks, whatever the header says', () => {
    const e = envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: body('REFUND') });
    expect(() => parseCheckout(e)).toThrow(ParkError);
    try {
      parseCheckout(e);
    } catch (error) {
      expect((error as ParkError).reason).toBe('unknown_event_type');
    }
  });

  test('without a body type, the header decides', () => {
    const e = envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body: body(undefined) });
    expect(parseCheckout(e).type).toBe('PAYMENT');
  });
});
