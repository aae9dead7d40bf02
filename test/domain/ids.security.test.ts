/**
 * Security: a charge id is put in PicPay's API path (`/payments/{referenceId}/status`,
 * `/charge/{merchantChargeId}`). An id that cannot be one path segment (`.` and `..` move the
 * request to another path once the URL is normalized; an unpaired surrogate makes
 * encodeURIComponent throw, retried for a day; control characters reach logs and terminals) is
 * parked at once with a reason: never retried, never sent to PicPay.
 */
import { pathSegmentProblem } from '../../lambda/domain/ids.js';
import { decideRegistration } from '../../lambda/domain/registration.js';
import { processEnvelope } from '../../lambda/domain/process.js';
import { CHARGE_ID, envelope, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';
import { memoryDeps } from './in-memory.support.js';

/** The id as a test title can show it: every character outside printable ASCII as \uXXXX. */
const visible = (id: string) => id.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('security: pathSegmentProblem, written out character by character', () => {
  test.each(
    [
      ['.', 'a dot segment'],
      ['..', 'a dot segment'],
      ['\u0000', 'a control character'],
      ['ab\u0000cd', 'a control character'],
      ['ab\u0009cd', 'a control character'],
      ['ab\u000acd', 'a control character'],
      ['ab\u001bcd', 'a control character'],
      ['ab\u001fcd', 'a control character'],
      ['ab\u007fcd', 'a control character'],
      ['ab\u0080cd', 'a control character'],
      ['ab\u009fcd', 'a control character'],
      ['\u001b[2J', 'a control character'],
      ['ab\ud800cd', 'an unpaired surrogate'],
      ['ab\udfffcd', 'an unpaired surrogate'],
      ['\ud83d', 'an unpaired surrogate'],
      ['ab\ude00', 'an unpaired surrogate'],
    ].map(([id, problem]) => [visible(id!), id!, problem!]),
  )('%s is refused: %s', (_shown, id, problem) => {
    expect(pathSegmentProblem(id)).toBe(problem);
  });

  test.each([
    ['a UUID', CHARGE_ID],
    ['digits', '102030'],
    ['three dots', '...'],
    ['a leading dot', '.a'],
    ['a trailing dot', 'a.'],
    ['two dots inside', 'a..b'],
    ['a slash (percent-encoded in the path)', 'abc/1'],
    ['a literal percent-encoded dot-dot', '%2e%2e'],
    ['a space inside', 'a b'],
    ['the last printable ASCII character', 'ab~cd'],
    ['a no-break space (after the C1 controls)', 'ab\u00a0cd'],
    ['accents', 'pedido-ção'],
    ['a surrogate pair (emoji)', 'pedido-\ud83d\ude00'],
  ])('%s is a usable id', (_name, id) => {
    expect(pathSegmentProblem(id)).toBeNull();
  });
});

/** Name, id, and the problem the park message names. */
const UNUSABLE: readonly (readonly [string, string, string])[] = [
  ['dot-dot', '..', 'a dot segment'],
  ['dot', '.', 'a dot segment'],
  ['an unpaired surrogate', 'ref\ud800', 'an unpaired surrogate'],
  ['a newline', 'ref\nforged', 'a control character'],
  ['an escape sequence', 'ref\u001b[31m', 'a control character'],
];

describe('security: an unusable id is parked at once, never sent to PicPay', () => {
  test.each(UNUSABLE)('legacy callback with %s in referenceId: parked, the status API never asked', async (_name, id, problem) => {
    const { deps, charges, picpay } = memoryDeps();
    const outcome = await processEnvelope(envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId: id }) }), deps);
    expect(outcome).toEqual({
      kind: 'parked',
      reason: 'unexpected_shape',
      message: `Legacy callback: referenceId: cannot be a URL path segment (${problem})`,
    });
    expect(picpay.calls).toBe(0);
    expect(charges.parked).toHaveLength(1);
    expect(charges.items.size).toBe(0);
  });

  test.each(UNUSABLE)('checkout payment with %s in merchantChargeId: parked, no charge stored for reconciliation', async (_name, id) => {
    const { deps, charges } = memoryDeps();
    const body = JSON.stringify(paymentEvent({ status: 'PAID', merchantChargeId: id }));
    const outcome = await processEnvelope(envelope({ flavour: 'checkout', eventType: 'TransactionUpdateMessage', body }), deps);
    expect(outcome).toMatchObject({ kind: 'parked', reason: 'unexpected_shape' });
    expect(charges.items.size).toBe(0);
  });

  test('checkout 3DS result with a dot-dot merchantChargeId: parked', async () => {
    const { deps, charges } = memoryDeps();
    const body = JSON.stringify({ ...THREE_DS_EVENT, data: { ...THREE_DS_EVENT.data, merchantChargeId: '..' } });
    const outcome = await processEnvelope(envelope({ flavour: 'checkout', eventType: 'Challenge3dsUpdateMessage', body }), deps);
    expect(outcome).toEqual({
      kind: 'parked',
      reason: 'unexpected_shape',
      message: 'THREE_DS_CHALLENGE event: data.merchantChargeId: cannot be a URL path segment (a dot segment)',
    });
    expect(charges.items.size).toBe(0);
  });

  test('an id padded with spaces is judged after trimming: " .. " is dot-dot', async () => {
    const { deps, picpay } = memoryDeps();
    const outcome = await processEnvelope(envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId: ' .. ' }) }), deps);
    expect(outcome).toMatchObject({ kind: 'parked', reason: 'unexpected_shape' });
    expect(picpay.calls).toBe(0);
  });

  test.each(UNUSABLE)('a checkout reconciliation check for %s (an id stored before this rule): parked, find-charge never asked', async (_name, id, problem) => {
    const { deps, findCharge } = memoryDeps();
    const outcome = await processEnvelope(envelope({ flavour: 'checkout', eventType: 'Reconciliation', body: JSON.stringify({ merchantChargeId: id }) }), deps);
    expect(outcome).toEqual({
      kind: 'parked',
      reason: 'unexpected_shape',
      message: `Reconciliation check: merchantChargeId cannot be a URL path segment (${problem})`,
    });
    expect(findCharge.calls).toBe(0);
  });

  test.each(UNUSABLE)('a registration (POST /charges) with %s: refused with a 400, and parked if one is queued anyway', async (_name, id, problem) => {
    expect(decideRegistration(JSON.stringify({ referenceId: id }), 'arn:aws:iam::000000000000:role/merchant', 'r-1', '2024-07-01T19:00:05.000Z')).toEqual({
      kind: 'invalid',
      problems: `referenceId: cannot be a URL path segment (${problem})`,
    });
    const { deps, charges } = memoryDeps();
    const outcome = await processEnvelope(envelope({ flavour: 'legacy', eventType: 'Registration', body: JSON.stringify({ referenceId: id }) }), deps);
    expect(outcome).toMatchObject({ kind: 'parked', reason: 'unexpected_shape' });
    expect(charges.items.size).toBe(0);
  });

  test('a usable id still goes through (the rule refuses only what it names)', async () => {
    const { deps, picpay } = memoryDeps();
    picpay.statuses.set('a..b', { status: 'paid' });
    await expect(processEnvelope(envelope({ flavour: 'legacy', body: JSON.stringify({ referenceId: 'a..b' }) }), deps)).resolves.toMatchObject({
      kind: 'applied',
      chargeKey: 'legacy#a..b',
    });
    expect(picpay.calls).toBe(1);
  });
});
