/**
 * The DynamoDB adapter against a real DynamoDB implementation (dynalite, in process), so the
 * expressions are checked as DynamoDB checks them (unused names, key conditions, GSIs), which a
 * mocked client cannot do.
 */
import type { Server } from 'node:http';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { type TableStores, tableStores } from '../../lambda/adapters/table/stores.js';
import { createTableInput } from '../../lambda/adapters/table/table.js';
import type { Envelope } from '../../lambda/domain/envelope.js';
import { decide } from '../../lambda/domain/charge.js';
import { close, listen } from '../../local/http.js';
import { checkoutPayment, legacyRead, paymentLinkNotification } from '../spec/notifications.support.js';

/** The table as the stack defines it (keys, indexes, projections), written out by hand here. */
const TABLE_BY_HAND = {
  TableName: 'charges',
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: ['pk', 'sk', 'awaitingKey', 'lastCheckedAt', 'outboxKey', 'outboxLeaseEnds'].map((AttributeName) => ({
    AttributeName,
    AttributeType: 'S' as const,
  })),
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'awaiting',
      KeySchema: [
        { AttributeName: 'awaitingKey', KeyType: 'HASH' },
        { AttributeName: 'lastCheckedAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['chargeId', 'createdAt', 'expiresAt'] },
    },
    {
      IndexName: 'outbox',
      KeySchema: [
        { AttributeName: 'outboxKey', KeyType: 'HASH' },
        { AttributeName: 'outboxLeaseEnds', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ],
} satisfies CreateTableCommandInput;

let server: Server;
let client: DynamoDBClient;
let stores: TableStores;
let doc: DynamoDBDocumentClient;
const NOW = '2024-07-01T20:00:00.000Z';

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 }) as Server;
  const port = await listen(server, 0, '127.0.0.1');
  client = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  await client.send(new CreateTableCommand(TABLE_BY_HAND));
  doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  stores = tableStores(doc, 'charges');
});

afterAll(async () => {
  client.destroy();
  await close(server);
});

const raw = async (chargeKey: string) => (await doc.send(new GetCommand({ TableName: 'charges', Key: { pk: `CHARGE#${chargeKey}`, sk: 'STATE' } }))).Item!;

describe('the table stores on dynalite', () => {
  test('a saved charge with an unpublished event is in the outbox index until it is published', async () => {
    const d = decide(null, checkoutPayment('PAID', '2024-07-01T16:00:00-03:00', '2024-07-01T19:00:01Z'), NOW, { outboxLeaseMs: 60_000 });
    if (d.kind !== 'applied') throw new Error(d.kind);
    await stores.charges.save(d.state, null);
    expect(await raw(d.state.chargeKey)).toMatchObject({ outboxKey: 'pending', outboxLeaseEnds: '2024-07-01T20:01:00.000Z', version: 1 });
    expect(await stores.outbox.findPending('2024-07-01T20:01:00.001Z', 10)).toEqual([d.state.chargeKey]);
    expect(await stores.outbox.findPending('2024-07-01T20:00:59.999Z', 10)).toEqual([]);

    await stores.charges.markPublished(d.state.chargeKey, [d.event.transitionId], { version: 1, emptiesOutbox: true });
    const item = await raw(d.state.chargeKey);
    expect(item.outbox).toEqual({});
    expect(item.outboxKey).toBeUndefined();
    expect(item.version).toBe(2);
    expect(await stores.outbox.findPending('2099-01-01T00:00:00Z', 10)).toEqual([]);
    expect((await stores.charges.load(d.state.chargeKey))!.state.outbox).toEqual([]);
  });

  test('when someone wrote the item since, publishing removes the event but leaves the index to the newer writer', async () => {
    const d = decide(null, checkoutPayment('PAID', '2024-07-01T16:00:00-03:00', '2024-07-01T19:00:01Z', '10000', '0'), NOW, { outboxLeaseMs: 60_000 });
    if (d.kind !== 'applied') throw new Error(d.kind);
    const state = { ...d.state, chargeKey: 'checkout#other', chargeId: 'other' };
    await stores.charges.save(state, null);
    await stores.charges.markPublished(state.chargeKey, [d.event.transitionId], { version: 7, emptiesOutbox: true });
    const item = await raw(state.chargeKey);
    expect(item.outbox).toEqual({});
    expect(item.outboxKey).toBe('pending');
    // The sweep finds it, sees the empty outbox, and takes it out of the index.
    await stores.outbox.forgetEmpty(state.chargeKey, 2);
    expect((await raw(state.chargeKey)).outboxKey).toBeUndefined();
  });

  test('awaiting legacy charges: least recently checked first; markChecked moves one back; retire takes it out', async () => {
    for (const [id, at] of [
      ['a', '2024-07-01T10:00:00Z'],
      ['b', '2024-07-01T09:00:00Z'],
      ['c', '2024-07-01T11:00:00Z'],
    ] as const) {
      const d = decide(null, legacyRead('created', at), at, { outboxLeaseMs: 60_000 });
      if (d.kind !== 'applied') throw new Error(d.kind);
      await stores.charges.save({ ...d.state, chargeKey: `legacy#${id}`, chargeId: id, updatedAt: new Date(at).toISOString(), outbox: [] }, null);
    }
    const ids = async () => (await stores.reconcile.findAwaiting('legacy', '2024-07-02T00:00:00Z', 10)).map((c) => c.chargeId);
    expect(await ids()).toEqual(['b', 'a', 'c']);
    expect((await stores.reconcile.findAwaiting('legacy', '2024-07-02T00:00:00Z', 10))[0]).toEqual({
      flavour: 'legacy',
      chargeId: 'b',
      lastCheckedAt: '2024-07-01T09:00:00.000Z',
      createdAt: '2024-07-01T09:00:00Z',
      expiresAt: null,
    });
    expect((await stores.reconcile.findAwaiting('legacy', '2024-07-01T10:30:00Z', 10)).map((c) => c.chargeId)).toEqual(['b', 'a']);
    expect((await stores.reconcile.findAwaiting('legacy', '2024-07-02T00:00:00Z', 2)).map((c) => c.chargeId)).toEqual(['b', 'a']);
    await stores.reconcile.markChecked([{ flavour: 'legacy', chargeId: 'b' }], '2024-07-01T12:00:00.000Z');
    expect(await ids()).toEqual(['a', 'c', 'b']);
    await stores.reconcile.retire([{ flavour: 'legacy', chargeId: 'a' }]);
    expect(await ids()).toEqual(['c', 'b']);
    // Neither touches a charge that is not awaiting (nor creates one).
    await stores.reconcile.markChecked(
      [
        { flavour: 'legacy', chargeId: 'a' },
        { flavour: 'legacy', chargeId: 'nobody' },
      ],
      '2024-07-01T13:00:00.000Z',
    );
    expect(await ids()).toEqual(['c', 'b']);
    expect(await stores.charges.load('legacy#nobody')).toBeNull();
  });

  test('checkout charges still pending have their own partition of the awaiting index; paid ones and Payment Link charges are not in it', async () => {
    const at = '2024-07-01T08:00:00Z';
    for (const [raw, id] of [
      ['PENDING', 'co-pending'],
      ['PAID', 'co-paid'],
    ] as const) {
      const d = decide(null, checkoutPayment(raw, '2024-07-01T05:00:00-03:00', at), at, { outboxLeaseMs: 60_000 });
      if (d.kind !== 'applied') throw new Error(d.kind);
      await stores.charges.save({ ...d.state, chargeKey: `checkout#${id}`, chargeId: id, outbox: [] }, null);
    }
    const link = decide(null, paymentLinkNotification('PAYED', at), at, { outboxLeaseMs: 60_000 });
    if (link.kind !== 'applied') throw new Error(link.kind);
    await stores.charges.save({ ...link.state, outbox: [] }, null);
    expect((await stores.reconcile.findAwaiting('checkout', '2024-07-02T00:00:00Z', 10)).map((c) => [c.flavour, c.chargeId])).toEqual([
      ['checkout', 'co-pending'],
    ]);
    expect((await stores.reconcile.findAwaiting('legacy', '2024-07-02T00:00:00Z', 10)).map((c) => c.chargeId)).not.toContain('co-pending');
    await stores.reconcile.markChecked([{ flavour: 'checkout', chargeId: 'co-pending' }], '2024-07-01T12:00:00.000Z');
    expect(await stores.reconcile.findAwaiting('checkout', '2024-07-01T11:00:00Z', 10)).toEqual([]);
    await stores.reconcile.retire([{ flavour: 'checkout', chargeId: 'co-pending' }]);
    expect(await stores.reconcile.findAwaiting('checkout', '2024-07-02T00:00:00Z', 10)).toEqual([]);
  });

  test('the table the local runtime creates is the one written out by hand above', () => {
    expect(createTableInput('charges')).toEqual(TABLE_BY_HAND);
  });

  test('operator reads: parked notifications are listed with their id and envelope, and deleted one by one', async () => {
    const envelope = (requestId: string, receivedAt: string): Envelope => ({
      v: 2,
      flavour: 'legacy',
      eventType: null,
      receivedAt,
      requestId,
      body: '{"referenceId":"op-1"}',
    });
    await stores.parked.park({
      parkedAt: NOW,
      reason: 'unknown_reference',
      message: 'PicPay does not know op-1',
      envelope: envelope('req-b', '2024-07-01T19:00:02.000Z'),
    });
    await stores.parked.park({ parkedAt: NOW, reason: 'body_too_large', message: 'too big', envelope: envelope('req-a', '2024-07-01T19:00:01.000Z') });
    const listed = await stores.parked.list();
    expect(listed.map((p) => [p.id, p.reason, p.requestId])).toEqual([
      ['2024-07-01T19:00:01.000Z#req-a', 'body_too_large', 'req-a'],
      ['2024-07-01T19:00:02.000Z#req-b', 'unknown_reference', 'req-b'],
    ]);
    expect(JSON.parse(listed[1]!.envelope)).toEqual(envelope('req-b', '2024-07-01T19:00:02.000Z'));
    await stores.parked.delete('2024-07-01T19:00:01.000Z#req-a');
    expect((await stores.parked.list()).map((p) => p.id)).toEqual(['2024-07-01T19:00:02.000Z#req-b']);
    await stores.parked.delete('2024-07-01T19:00:02.000Z#req-b');
    expect(await stores.parked.list()).toEqual([]);
  });

  test('operator reads: dead-letter notes by message id, only for the ids that have one; probes found and deleted', async () => {
    await stores.deadLetters.note({ messageId: 'm-1', requestId: 'r-1', code: 'picpay_unavailable', message: 'PicPay 503', receiveCount: 5, at: NOW });
    await stores.deadLetters.note({ messageId: 'm-3', code: 'dynamodb_unavailable', message: 'throttled', receiveCount: 5, at: NOW });
    const notes = await stores.deadLetters.find(['m-1', 'm-2', 'm-3']);
    expect([...notes.keys()].sort()).toEqual(['m-1', 'm-3']);
    expect(notes.get('m-1')).toMatchObject({ code: 'picpay_unavailable', message: 'PicPay 503', receiveCount: 5 });
    await stores.deadLetters.delete('m-1');
    expect([...(await stores.deadLetters.find(['m-1', 'm-3'])).keys()]).toEqual(['m-3']);

    expect(await stores.probes.find('doctor-1')).toBeNull();
    const probe = { probeId: 'doctor-1', flavour: 'checkout' as const, requestId: 'r-9', sentAt: NOW, receivedAt: NOW, recordedAt: NOW, messageId: 'sns-9' };
    await stores.probes.recordProbe(probe);
    expect(await stores.probes.find('doctor-1')).toMatchObject(probe);
    await stores.probes.delete('doctor-1');
    expect(await stores.probes.find('doctor-1')).toBeNull();
  });

  test('a Payment Link’s payments: one item per payment under LINK#<id>, the same payment twice is one, a limit is kept', async () => {
    expect(await stores.links.paymentsOf('link-1', 10)).toEqual([]);
    await stores.links.addPayment('link-1', 'pay-b');
    await stores.links.addPayment('link-1', 'pay-a');
    await stores.links.addPayment('link-1', 'pay-b');
    await stores.links.addPayment('link-2', 'pay-c');
    expect(await stores.links.paymentsOf('link-1', 10)).toEqual(['pay-a', 'pay-b']);
    expect(await stores.links.paymentsOf('link-1', 1)).toEqual(['pay-a']);
    const item = (await doc.send(new GetCommand({ TableName: 'charges', Key: { pk: 'LINK#link-1', sk: 'pay-a' } }))).Item;
    expect(item).toEqual({ pk: 'LINK#link-1', sk: 'pay-a', paymentLinkId: 'link-1' });
  });
});

describe('retention (retentionDays): DynamoDB TTL on final charges and logged events only', () => {
  // 2024-07-01T20:00:00Z is 1719864000 in epoch seconds; 30 days are 2592000 s.
  const PURGE_AT_30_DAYS = 1719864000 + 2592000;

  test('a charge in a final state expires 30 days after its last change; one still waiting never; leaving a final state removes the expiry', async () => {
    const kept = tableStores(doc, 'charges', { retentionDays: 30 });
    const paid = decide(null, checkoutPayment('PAID', '2024-07-01T16:00:00-03:00', '2024-07-01T19:00:01Z'), NOW, { outboxLeaseMs: 60_000 });
    if (paid.kind !== 'applied') throw new Error(paid.kind);
    const state = { ...paid.state, chargeKey: 'checkout#retained', chargeId: 'retained' };
    await kept.charges.save(state, null);
    expect((await raw('checkout#retained')).purgeAt).toBe(PURGE_AT_30_DAYS);
    // The attribute is the table's, never the charge's.
    expect((await kept.charges.load('checkout#retained'))!.state).not.toHaveProperty('purgeAt');

    await kept.charges.save({ ...state, status: 'AUTHORIZED' }, 1);
    expect(await raw('checkout#retained')).not.toHaveProperty('purgeAt');

    const waiting = decide(null, legacyRead('created', '2024-07-01T10:00:00Z'), NOW, { outboxLeaseMs: 60_000 });
    if (waiting.kind !== 'applied') throw new Error(waiting.kind);
    await kept.charges.save({ ...waiting.state, chargeKey: 'legacy#waiting-kept', chargeId: 'waiting-kept' }, null);
    expect(await raw('legacy#waiting-kept')).not.toHaveProperty('purgeAt');
  });

  test('without retentionDays nothing expires (as before)', async () => {
    const paid = decide(null, checkoutPayment('PAID', '2024-07-01T16:00:00-03:00', '2024-07-01T19:00:01Z'), NOW, { outboxLeaseMs: 60_000 });
    if (paid.kind !== 'applied') throw new Error(paid.kind);
    await stores.charges.save({ ...paid.state, chargeKey: 'checkout#forever', chargeId: 'forever' }, null);
    expect(await raw('checkout#forever')).not.toHaveProperty('purgeAt');
  });
});

describe('the event log', () => {
  const logged = (recordedAt: string, transitionId: string) => ({
    transitionId,
    chargeKey: 'checkout#logged',
    recordedAt,
    message: `{"transitionId":"${transitionId}","chargeId":"caf\\u00e9"}`,
    attributes: { type: 'picpay.charge.status_changed', status: 'PAID' },
  });

  test('an event is kept under the hour it was recorded, exactly as given, with its expiry when retentionDays is set', async () => {
    await tableStores(doc, 'charges', { retentionDays: 30 }).eventLog.record(logged('2024-07-01T20:00:00.000Z', 't-kept'));
    const item = (await doc.send(new GetCommand({ TableName: 'charges', Key: { pk: 'EVENTS#2024-07-01T20', sk: '2024-07-01T20:00:00.000Z#t-kept' } }))).Item;
    expect(item).toEqual({
      pk: 'EVENTS#2024-07-01T20',
      sk: '2024-07-01T20:00:00.000Z#t-kept',
      ...logged('2024-07-01T20:00:00.000Z', 't-kept'),
      purgeAt: 1719864000 + 2592000,
    });
    expect(await stores.eventLog.find('2024-07-01T20:00:00.000Z', 't-kept')).toEqual(logged('2024-07-01T20:00:00.000Z', 't-kept'));
    expect(await stores.eventLog.find('2024-07-01T20:00:00.000Z', 't-never')).toBeNull();
  });

  test('a time range is read hour bucket by hour bucket, both ends included, oldest first', async () => {
    for (const [at, id] of [
      ['2024-07-02T09:59:59.999Z', 't-before'],
      ['2024-07-02T10:00:00.000Z', 't-first'],
      ['2024-07-02T12:30:00.000Z', 't-middle'],
      ['2024-07-02T11:15:00.000Z', 't-second'],
      ['2024-07-02T13:00:00.000Z', 't-last'],
      ['2024-07-02T13:00:00.001Z', 't-after'],
    ] as const)
      await stores.eventLog.record(logged(at, id));
    const ids = (await stores.eventLog.between('2024-07-02T10:00:00.000Z', '2024-07-02T13:00:00.000Z')).map((e) => e.transitionId);
    expect(ids).toEqual(['t-first', 't-second', 't-middle', 't-last']);
  });
});
