import { LoggedEventPublisher } from '../../lambda/adapters/sns-publisher.js';
import type { LoggedEvent } from '../../lambda/adapters/table/event-log.js';
import type { ChargeEvent } from '../../lambda/domain/events.js';

const EVENT = {
  specVersion: '1.4',
  type: 'picpay.charge.status_changed',
  transitionId: 't-1',
  chargeKey: 'checkout#café',
  flavour: 'checkout',
  chargeId: 'café',
  previousStatus: null,
  status: 'PAID',
  rawStatus: 'PAID',
  reason: null,
  amounts: null,
  authorizationId: null,
  paymentType: null,
  paymentLinkId: null,
  threeDs: null,
  occurredAt: '2026-12-04T15:00:00.000Z',
  recordedAt: '2026-12-04T15:00:01.000Z',
  confirmed: true,
  source: { eventType: 'TransactionUpdateMessage', requestId: 'r-1' },
} as const satisfies ChargeEvent;

describe('LoggedEventPublisher: log, then publish', () => {
  test('the log holds exactly what is published, written before it is', async () => {
    const calls: string[] = [];
    const logged: LoggedEvent[] = [];
    const published: Array<{ message: string; attributes: Readonly<Record<string, string>> }> = [];
    const publisher = new LoggedEventPublisher(
      {
        record: async (e) => {
          calls.push('log');
          logged.push(e);
        },
      },
      {
        publishMessage: async (m) => {
          calls.push('publish');
          published.push(m);
        },
      },
    );
    await publisher.publish(EVENT);
    expect(calls).toEqual(['log', 'publish']);
    expect(logged).toEqual([{ transitionId: 't-1', chargeKey: 'checkout#café', recordedAt: '2026-12-04T15:00:01.000Z', ...published[0] }]);
    // Plain ASCII JSON, as every subscriber receives it.
    expect(published[0]!.message).toContain('"chargeId":"caf\\u00e9"');
    expect(published[0]!.attributes).toEqual({
      type: 'picpay.charge.status_changed',
      status: 'PAID',
      previousStatus: 'NONE',
      flavour: 'checkout',
      eventType: 'TransactionUpdateMessage',
      confirmed: 'true',
    });
  });

  test('a failed log write fails the publish: nothing is published unlogged', async () => {
    let publishes = 0;
    const publisher = new LoggedEventPublisher(
      {
        record: async () => {
          throw new Error('DynamoDB is down');
        },
      },
      { publishMessage: async () => void publishes++ },
    );
    await expect(publisher.publish(EVENT)).rejects.toThrow('DynamoDB is down');
    expect(publishes).toBe(0);
  });
});
