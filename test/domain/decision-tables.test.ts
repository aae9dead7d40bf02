/**
 * The state machine against the hand-written decision tables in test/spec/. Every expected
 * value comes from the tables; nothing is computed from the production constants.
 */
import fc from 'fast-check';
import { PROPERTY_RUNS } from '../property-runs.support.js';
import { type ChargeState, type Decision, decide } from '../../lambda/domain/charge.js';
import type { Observation } from '../../lambda/domain/observation.js';
import { checkoutPayment, fromStep, legacyRead, PAYMENT_TX, paymentLinkNotification } from '../spec/notifications.support.js';
import { type Letter, paymentLinkScenarios, paymentTypeRows, scenarios, statusSpec, WHENS, type When } from '../spec/tables.support.js';
import type { Envelope } from '../../lambda/domain/envelope.js';
import { observeCheckout, parseCheckout } from '../../lambda/domain/observation.js';
import { tablePaymentBody } from '../spec/notifications.support.js';

const NOW = '2024-07-20T00:00:00.000Z';
const OPTIONS = { outboxLeaseMs: 60_000 };
const T0 = Date.parse('2024-07-01T19:00:00Z');
const OFFSET: Record<When, number> = { earlier: -5 * 60_000, equal: 0, later: 5 * 60_000 };
const EVENT = {
  status_changed: 'picpay.charge.status_changed',
  unrecognized_status: 'picpay.charge.unrecognized_status',
  three_ds_updated: 'picpay.charge.three_ds_updated',
} as const;

function settled(d: Decision): ChargeState {
  if (!('state' in d)) throw new Error(`expected a recorded decision, got ${d.kind}`);
  return d.state;
}

function expectCell(
  flavour: string,
  spec: ReturnType<typeof statusSpec>,
  row: string,
  column: string,
  when: When,
  letter: Letter,
  d: Decision,
  first: ChargeState | null,
) {
  const label = `${flavour}: ${row} then ${column} (${when}) should be ${letter}`;
  const from = row === '—' ? null : spec.canonical.get(row)!;
  const to = spec.canonical.get(column)!;
  const lastHistory = 'state' in d ? d.state.history.at(-1) : undefined;
  switch (letter) {
    case 'A':
      expect({ label, kind: d.kind }).toEqual({ label, kind: 'applied' });
      if (d.kind !== 'applied') return;
      expect({ label, status: d.state.status, raw: d.state.rawStatus, type: d.event.type, previous: d.event.previousStatus, reason: d.event.reason }).toEqual({
        label,
        status: to,
        raw: column,
        type: EVENT.status_changed,
        previous: from,
        reason: spec.reasons.get(`${from}>${to}`) ?? null,
      });
      expect({ label, outcome: lastHistory?.outcome, reason: lastHistory?.reason }).toEqual({
        label,
        outcome: 'applied',
        reason: spec.reasons.get(`${from}>${to}`) ?? null,
      });
      expect(d.state.outbox.at(-1)?.event).toEqual(d.event);
      return;
    case 'I':
    case '=':
      expect({ label, kind: d.kind }).toEqual({ label, kind: 'ignored' });
      if (d.kind !== 'ignored') return;
      expect({ label, status: d.state.status, raw: d.state.rawStatus, outcome: lastHistory?.outcome, to: lastHistory?.to }).toEqual({
        label,
        status: from,
        raw: row,
        outcome: 'ignored',
        to,
      });
      expect({ label, noChange: /no change/.test(d.reason) }).toEqual({ label, noChange: letter === '=' });
      expect({ label, outbox: d.state.outbox.length }).toEqual({ label, outbox: first?.outbox.length ?? 0 });
      return;
    case 'N':
    case 'U':
      expect({ label, kind: d.kind }).toEqual({ label, kind: 'noted' });
      if (d.kind !== 'noted') return;
      expect({ label, status: d.state.status, raw: d.state.rawStatus, type: d.event.type, eventRaw: d.event.rawStatus, outcome: lastHistory?.outcome }).toEqual(
        {
          label,
          status: letter === 'U' ? 'UNKNOWN' : from,
          raw: letter === 'U' ? column : row,
          type: EVENT.unrecognized_status,
          eventRaw: column,
          outcome: 'noted',
        },
      );
      return;
    case 'D':
      expect({ label, kind: d.kind }).toEqual({ label, kind: 'duplicate' });
      return;
  }
}

describe.each([
  ['checkout', statusSpec('checkout.md'), (raw: string, at: number) => checkoutPayment(raw, new Date(at).toISOString(), new Date(at + 1000).toISOString())],
  ['legacy', statusSpec('legacy.md'), (raw: string, at: number) => legacyRead(raw, new Date(at).toISOString())],
  ['paymentLink', statusSpec('paymentlink.md'), (raw: string, at: number) => paymentLinkNotification(raw, new Date(at).toISOString())],
] as const)('%s decision table', (flavour, spec, notify) => {
  test.each([...spec.canonical.entries()])('a first %s becomes %s', (raw, canonical) => {
    const d = decide(null, notify(raw, T0), NOW, OPTIONS);
    expect(settled(d).status).toBe(canonical);
    expect(settled(d).rawStatus).toBe(raw);
  });

  const cells = [...spec.cells.entries()].flatMap(([row, byColumn]) =>
    [...byColumn.entries()].flatMap(([column, letters]) => WHENS.map((when, i) => [row, column, when, letters[i]!] as const)),
  );
  test.each(cells)('%s, then %s %s: %s', (row, column, when, letter) => {
    const first = row === '—' ? null : settled(decide(null, notify(row, T0), NOW, OPTIONS));
    const d = decide(first, notify(column, T0 + OFFSET[when]), NOW, OPTIONS);
    expectCell(flavour, spec, row, column, when, letter, d, first);
  });
});

/**
 * The winner of two notifications by the table alone: does `next` beat `now`? A "no change"
 * (`=`) is a newer notification of the same status, so it becomes the one to beat.
 */
function beats(spec: ReturnType<typeof statusSpec>, now: { raw: string; at: number }, next: { raw: string; at: number }): boolean {
  const when: When = next.at < now.at ? 'earlier' : next.at === now.at ? 'equal' : 'later';
  const letter = spec.cells.get(now.raw)!.get(next.raw)![WHENS.indexOf(when)];
  return letter === 'A' || letter === 'U' || letter === '=';
}

describe.each([
  ['checkout', statusSpec('checkout.md'), (raw: string, at: number) => checkoutPayment(raw, new Date(at).toISOString(), new Date(at + 1000).toISOString())],
  ['legacy', statusSpec('legacy.md'), (raw: string, at: number) => legacyRead(raw, new Date(at).toISOString())],
  ['paymentLink', statusSpec('paymentlink.md'), (raw: string, at: number) => paymentLinkNotification(raw, new Date(at).toISOString())],
] as const)('property (%s): any delivery order, with duplicates, ends where the table says', (flavour, spec, notify) => {
  const known = spec.columns.filter((c) => spec.canonical.get(c) !== 'UNKNOWN');
  // Few distinct times, so ties on eventDate are common.
  const note = fc.record({ raw: fc.constantFrom(...known), minute: fc.integer({ min: 0, max: 3 }) });
  // A legacy read carries no time of its own: the same status read twice is one notification
  // (legacy.md), so each status is read once here; the legacy property test covers repeats.
  const notes =
    flavour === 'legacy' ? fc.uniqueArray(note, { minLength: 1, maxLength: 8, selector: (n) => n.raw }) : fc.array(note, { minLength: 1, maxLength: 8 });

  test('the final status is the table winner, and no applied transition is published twice', () => {
    fc.assert(
      fc.property(notes, fc.array(fc.nat(), { maxLength: 8 }), (notes, dupes) => {
        const sent = notes.map((n) => ({ raw: n.raw, at: T0 + n.minute * 60_000 }));
        // The table's winner, folding in the order generated.
        let winner = sent[0]!;
        for (const n of sent.slice(1)) if (beats(spec, winner, n) && !(n.raw === winner.raw && n.at === winner.at)) winner = n;
        const deliveries: Observation[] = [...sent, ...dupes.map((i) => sent[i % sent.length]!)].map((n) => notify(n.raw, n.at));
        for (const order of [deliveries, [...deliveries].reverse()]) {
          let state: ChargeState | null = null;
          const published: string[] = [];
          for (const o of order) {
            const d = decide(state, o, NOW, OPTIONS);
            if (d.kind === 'duplicate') continue;
            if (d.kind === 'applied') published.push(d.event.transitionId);
            state = settled(d);
          }
          expect(state!.status).toBe(spec.canonical.get(winner.raw));
          expect(new Set(published).size).toBe(published.length);
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});

/** Every permutation of a short list (scenarios have at most four steps). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe('scenarios', () => {
  const all = [...scenarios(), ...scenarios('legacy.md')];

  test.each(all.map((s) => [s.name, s] as const))('%s, step by step', (_name, scenario) => {
    let state: ChargeState | null = null;
    let previous: string | null = null;
    for (const step of scenario.steps) {
      const d = decide(state, fromStep(step), NOW, OPTIONS);
      const label = `step ${step.n}`;
      const after: ChargeState | null = !('state' in d) ? state : d.state;
      const event = d.kind === 'applied' || d.kind === 'noted' ? d.event : null;
      expect({
        label,
        outcome: d.kind,
        status: after?.status ?? null,
        amount: after?.amounts?.amount ?? null,
        refunded: after?.amounts?.refundedAmount ?? null,
        threeDs: after?.threeDs?.status ?? null,
        event: event?.type ?? null,
        reason: event?.reason ?? null,
        previous: event?.previousStatus ?? previous,
      }).toEqual({
        label,
        outcome: step.expect.outcome,
        status: step.expect.status,
        amount: step.expect.amount,
        refunded: step.expect.refunded,
        threeDs: step.expect.threeDs,
        event: step.expect.event === null ? null : EVENT[step.expect.event as keyof typeof EVENT],
        reason: step.expect.reason,
        previous,
      });
      state = after;
      previous = state?.status ?? null;
    }
  });

  test.each(all.map((s) => [s.name, s] as const))('%s, in every delivery order', (_name, scenario) => {
    for (const order of permutations(scenario.steps)) {
      let state: ChargeState | null = null;
      for (const step of order) {
        const d = decide(state, fromStep(step), NOW, OPTIONS);
        if ('state' in d) state = d.state;
      }
      expect({
        order: order.map((s) => s.n).join(','),
        status: state?.status ?? null,
        amount: state?.amounts?.amount ?? null,
        refunded: state?.amounts?.refundedAmount ?? null,
        threeDs: state?.threeDs?.status ?? null,
      }).toEqual({ order: order.map((s) => s.n).join(','), ...scenario.final });
    }
  });
});

describe('Payment Link scenarios (paymentlink.md)', () => {
  const all = paymentLinkScenarios();
  const T = Date.parse('2024-07-01T19:00:00Z');
  const send = (step: (typeof all)[number]['steps'][number]) =>
    paymentLinkNotification(step.status, new Date(T + step.n * 60_000).toISOString(), {
      id: step.id === 'pay-1' ? PAYMENT_TX : step.id,
      original: step.original === 'pay-1' ? PAYMENT_TX : step.original,
      amount: step.amount ?? undefined,
    });

  test('the file has scenarios', () => expect(all.length).toBeGreaterThanOrEqual(2));

  test.each(all.map((s) => [s.name, s] as const))('%s, step by step', (_name, scenario) => {
    let state: ChargeState | null = null;
    for (const step of scenario.steps) {
      const d = decide(state, send(step), NOW, OPTIONS);
      const after: ChargeState | null = !('state' in d) ? state : d.state;
      expect({
        n: step.n,
        outcome: d.kind,
        status: after?.status,
        amount: after?.amounts?.amount ?? null,
        refunded: after?.amounts?.refundedAmount ?? null,
        key: after?.chargeKey,
      }).toEqual({
        n: step.n,
        ...step.expect,
        key: `paymentLink#${PAYMENT_TX}`,
      });
      state = after;
    }
  });

  test.each(all.map((s) => [s.name, s] as const))('%s, final status in every delivery order', (_name, scenario) => {
    for (const order of permutations(scenario.steps)) {
      let state: ChargeState | null = null;
      for (const step of order) {
        const d = decide(state, send(step), NOW, OPTIONS);
        if ('state' in d) state = d.state;
      }
      expect({ order: order.map((s) => s.n).join(','), status: state?.status }).toEqual({
        order: order.map((s) => s.n).join(','),
        status: scenario.finalStatus,
      });
    }
  });
});

describe('checkout: PRE_AUTHORIZED by payment type (checkout.md)', () => {
  const rows = paymentTypeRows();
  test('the file has the rows', () => expect(rows.length).toBeGreaterThanOrEqual(6));

  test.each(rows.map((r) => [r.raw, r.paymentType ?? '—', r.canonical, r] as const))('%s on a %s charge becomes %s', (_raw, _type, _canonical, row) => {
    const body = tablePaymentBody(row.raw, '2024-07-01T16:00:00-03:00', '10000', '0') as { data: Record<string, unknown> };
    if (row.paymentType === null) delete body.data.transactions;
    else body.data.transactions = [{ paymentType: row.paymentType, transactionId: 'tx-1', status: row.raw }];
    const e: Envelope = { v: 1, flavour: 'checkout', eventType: 'TransactionUpdateMessage', receivedAt: NOW, requestId: 'r-1', body: JSON.stringify(body) };
    const d = decide(null, observeCheckout(e, parseCheckout(e), T0), NOW, OPTIONS);
    expect({ status: settled(d).status, raw: settled(d).rawStatus }).toEqual({ status: row.canonical, raw: row.raw });
  });
});
