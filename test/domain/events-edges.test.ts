/** eventAttributes: a charge with no status yet is filtered as `NONE` (docs/events.md). */
import { eventAttributes } from '../../lambda/domain/events.js';
import type { ChargeEvent } from '../../lambda/domain/events.js';

test('a 3DS result on a charge with no status yet carries status NONE and previousStatus NONE', () => {
  const event = {
    specVersion: '1',
    type: 'picpay.charge.three_ds_updated',
    status: null,
    previousStatus: null,
    flavour: 'checkout',
    confirmed: false,
    source: { eventType: 'Challenge3dsUpdateMessage', requestId: 'r-1' },
  } as unknown as ChargeEvent;
  expect(eventAttributes(event)).toEqual({
    type: 'picpay.charge.three_ds_updated',
    status: 'NONE',
    previousStatus: 'NONE',
    flavour: 'checkout',
    eventType: 'Challenge3dsUpdateMessage',
    confirmed: 'false',
  });
});
