import { randomUUID } from 'node:crypto';
import { paymentBody, paymentLinkBody, threeDsBody } from './samples.js';
import { CliError, type Clients, type Target, readTargetTokens } from './target.js';
import type { Io } from './io.js';

const LEGACY_CALLBACK_STATUS_HINT = 'Note: against a deployed stack the legacy status comes from PicPay itself; only the callbacks are sent.';

export const EVENTS = [
  'paid',
  'refunded',
  'chargeback',
  'expired',
  '3ds-approved',
  '3ds-rejected',
  'paymentlink-paid',
  'paymentlink-refunded',
  'paymentlink-partrefunded',
  'pix-expired',
] as const;
export const SCENARIOS = ['lifecycle', 'duplicate-storm', 'out-of-order', 'wrong-token', 'checkout-lost-final'] as const;
export type Simulation = (typeof EVENTS)[number] | (typeof SCENARIOS)[number];

export interface SimulateOptions {
  readonly flavour: 'legacy' | 'checkout';
  /** Charge id (checkout merchantChargeId or legacy referenceId); random when absent. */
  readonly id?: string;
  /** Notifications in a duplicate storm. */
  readonly count: number;
  readonly now?: () => number;
}

interface Step {
  readonly label: string;
  readonly flavour: 'legacy' | 'checkout';
  /** Legacy only: the status the PicPay sandbox reports from now on. */
  readonly legacyStatus?: string;
  /** Checkout: what the sandbox's find-charge reports from now on (the webhook itself is not sent). */
  readonly foundCharge?: { chargeStatus: string; amount: number; originalAmount: number; refundedAmount: number };
  readonly body: unknown;
  readonly eventType?: string;
  readonly wrongToken?: boolean;
  readonly expect: number;
}

type PaymentBody = { type?: string; eventDate?: string; data?: { status: string; amount: number; originalAmount: number; refundedAmount: number } };

/**
 * A money-moving checkout notification is confirmed with PicPay's find-charge before it is
 * applied (docs/state-model.md, "PicPay's word, not the body's"). So that the simulated
 * notifications are PicPay's, the sandbox is first told the charge as PicPay would know it: the
 * status of the simulation's latest notification (PicPay's state moves first; its webhooks
 * follow, late or out of order). A deployed stack asks PicPay itself, which does not know a
 * simulated charge: there, confirmed notifications are parked as contradicted.
 */
async function tellPicPayTheTruth(steps: readonly Step[], id: string, target: Target, io: Io): Promise<void> {
  await tellPicPayTheLink(steps, target, io);
  const payments = steps
    .filter((s) => s.flavour === 'checkout' && s.eventType === 'TransactionUpdateMessage' && !s.wrongToken)
    .map((s) => s.body as PaymentBody)
    .filter((b) => b.type === 'PAYMENT' && b.data !== undefined);
  if (payments.length === 0) return;
  if (!target.picpaySandboxUrl) {
    io.err(CONFIRMATION_HINT);
    return;
  }
  const latest = payments.reduce((a, b) => (Date.parse(b.eventDate ?? '') > Date.parse(a.eventDate ?? '') ? b : a));
  const { status, amount, originalAmount, refundedAmount } = latest.data!;
  await setSandboxCharge(target.picpaySandboxUrl, id, { chargeStatus: status, amount, originalAmount, refundedAmount });
  io.out(`  PicPay (the sandbox) knows the charge as ${status}`);
}

type LinkBody = { data: { charge?: { paymentLinkId: string }; transaction: { id: string; status: string; amount: number } } };

/** Payment Link: every transaction of the simulation, as the sandbox's find-transactions lists it on its link. */
async function tellPicPayTheLink(steps: readonly Step[], target: Target, io: Io): Promise<void> {
  const transactions = steps.filter((s) => s.eventType === 'TransactionPaymentMessage').map((s) => (s.body as LinkBody).data);
  if (transactions.length === 0) return;
  if (!target.picpaySandboxUrl) {
    io.err(CONFIRMATION_HINT);
    return;
  }
  for (const { charge, transaction } of transactions) {
    const url = `${target.picpaySandboxUrl}/_sandbox/paymentlinks/${encodeURIComponent(charge!.paymentLinkId)}/transactions/${encodeURIComponent(transaction.id)}`;
    const res = await fetch(url, { method: 'PUT', body: JSON.stringify({ status: transaction.status, amount: transaction.amount }) });
    if (!res.ok) throw new CliError(`The PicPay sandbox refused the Payment Link transaction: HTTP ${res.status}`);
  }
  io.out(`  PicPay (the sandbox) lists ${transactions.length} transaction(s) on link ${transactions[0]!.charge!.paymentLinkId}`);
}

/** What the sandbox's find-charge answers for `id` from now on. */
async function setSandboxCharge(sandboxUrl: string, id: string, charge: NonNullable<Step['foundCharge']>): Promise<void> {
  const res = await fetch(`${sandboxUrl}/_sandbox/charges/${encodeURIComponent(id)}`, { method: 'PUT', body: JSON.stringify(charge) });
  if (!res.ok) throw new CliError(`The PicPay sandbox refused the charge: HTTP ${res.status}`);
}

const CONFIRMATION_HINT =
  'Note: a deployed stack with PicPay API credentials confirms paid, refunded and cancelled checkout and Payment Link notifications with PicPay, which does not know a simulated charge: they are parked as contradicted_by_picpay.';

const CHECKOUT_STATUS: Record<string, string> = { paid: 'PAID', refunded: 'REFUNDED', chargeback: 'CHARGEBACK', expired: 'EXPIRED' };

/**
 * Sends realistic PicPay notifications to the target, with the right headers and tokens,
 * like a payment provider's own CLI `trigger`. Returns 0 when every answer was the expected one.
 */
export async function simulate(name: string, options: SimulateOptions, target: Target, clients: Clients, io: Io): Promise<number> {
  if (!(EVENTS as readonly string[]).includes(name) && !(SCENARIOS as readonly string[]).includes(name)) {
    throw new CliError(`Unknown simulation "${name}". Events: ${EVENTS.join(', ')}. Scenarios: ${SCENARIOS.join(', ')}.`);
  }
  const paymentLink = name.startsWith('paymentlink-');
  const flavour =
    name.startsWith('3ds-') || name.startsWith('pix-') || name === 'out-of-order' || name === 'checkout-lost-final' || paymentLink
      ? 'checkout'
      : options.flavour;
  // A Payment Link charge is its payment transaction, a UUID.
  const id = options.id ?? (paymentLink ? randomUUID() : `sim-${randomUUID().slice(0, 8)}`);
  const start = options.now?.() ?? Date.now();
  const at = (minutes: number) => new Date(start + minutes * 60_000).toISOString();
  const checkout = (status: string, minutes: number, refundedAmount = 0): Step => ({
    label: `${status} (eventDate ${at(minutes)})`,
    flavour: 'checkout',
    eventType: 'TransactionUpdateMessage',
    body: paymentBody({ chargeId: id, status, eventDate: at(minutes), refundedAmount }),
    expect: 200,
  });
  const legacy = (status: string): Step => ({
    label: `callback, PicPay reports "${status}"`,
    flavour: 'legacy',
    legacyStatus: status,
    body: { referenceId: id, authorizationId: status === 'created' ? undefined : `auth-${id}` },
    expect: 200,
  });
  const link = (status: string, amount: number, original: string | null): Step => ({
    label: `Payment Link ${status} (${amount} centavos)`,
    flavour: 'checkout',
    eventType: 'TransactionPaymentMessage',
    body: paymentLinkBody({ id: original === null ? id : randomUUID(), originalTransactionId: original, status, amount, paymentLinkId: `link-${id}` }),
    expect: 200,
  });
  const single = (event: string) => (flavour === 'legacy' ? legacy(event) : checkout(CHECKOUT_STATUS[event]!, 0, event === 'refunded' ? 10000 : 0));

  let steps: Step[];
  let concurrent = false;
  let expectation: string | undefined;
  switch (name) {
    case '3ds-approved':
    case '3ds-rejected': {
      const status = name === '3ds-approved' ? 'Approved' : 'Rejected';
      steps = [
        { label: `3DS ${status}`, flavour: 'checkout', eventType: 'Challenge3dsUpdateMessage', body: threeDsBody({ chargeId: id, status }), expect: 200 },
      ];
      break;
    }
    case 'lifecycle':
      steps =
        flavour === 'legacy'
          ? ['created', 'paid', 'completed', 'refunded'].map(legacy)
          : [checkout('AUTHORIZED', 0), checkout('PAID', 1), checkout('PARTIAL', 2, 3000), checkout('REFUNDED', 3, 10000)];
      expectation = 'REFUNDED';
      break;
    case 'duplicate-storm':
      steps = Array.from({ length: options.count }, () => single('paid'));
      if (flavour === 'legacy') steps = steps.map((s, i) => ({ ...s, legacyStatus: i === 0 ? 'paid' : undefined }));
      concurrent = true;
      expectation = 'PAID, with exactly one published transition';
      break;
    case 'out-of-order':
      steps = [checkout('REFUNDED', 3, 10000), checkout('PAID', 1), checkout('AUTHORIZED', 0), checkout('PARTIAL', 2, 3000)];
      expectation = 'REFUNDED (the late events are recorded as ignored)';
      break;
    case 'paymentlink-paid':
      steps = [link('PAYED', 10000, null)];
      expectation = 'PAID';
      break;
    case 'paymentlink-partrefunded':
      steps = [link('PAYED', 10000, null), link('PARTREFUNDED', 2500, id)];
      expectation = 'PARTIALLY_REFUNDED, refunded 2500';
      break;
    case 'paymentlink-refunded':
      steps = [link('PAYED', 10000, null), link('REFUNDED', 10000, id)];
      expectation = 'REFUNDED, refunded 10000';
      break;
    case 'pix-expired':
      steps = [
        {
          ...checkout('PENDING', 0),
          label: 'Pix QR code created (PENDING)',
          body: paymentBody({ chargeId: id, status: 'PENDING', eventDate: at(0), paymentType: 'PIX' }),
        },
        {
          ...checkout('EXPIRED', 30),
          label: 'Pix QR code expired unpaid (EXPIRED)',
          body: paymentBody({ chargeId: id, status: 'EXPIRED', eventDate: at(30), paymentType: 'PIX' }),
        },
      ];
      expectation = 'EXPIRED';
      break;
    case 'checkout-lost-final':
      if (!target.picpaySandboxUrl)
        throw new CliError('checkout-lost-final needs the local PicPay sandbox (npm start): it sets the status find-charge reports.');
      steps = [
        checkout('AUTHORIZED', 0),
        {
          label: 'PAID at PicPay; its webhook is lost (not sent): find-charge will report it',
          flavour: 'checkout',
          body: null,
          foundCharge: { chargeStatus: 'PAID', amount: 10000, originalAmount: 10000, refundedAmount: 0 },
          expect: 200,
        },
      ];
      expectation = 'PAID once reconciliation has run (locally every 60 s, for charges waiting 60 s or more), with source.eventType Reconciliation';
      break;
    case 'wrong-token':
      steps = [{ ...single('paid'), label: 'PAID with a wrong token', wrongToken: true, expect: 401 }];
      expectation = 'nothing stored';
      break;
    default:
      steps = [single(name)];
  }

  const tokens = await readTargetTokens(target, clients);
  if (steps.some((s) => s.legacyStatus) && !target.picpaySandboxUrl) {
    io.err(LEGACY_CALLBACK_STATUS_HINT);
  }
  const key = `${paymentLink ? 'paymentLink' : flavour}#${id}`;
  io.out(`Simulating ${name} on ${key} against ${target.name}`);
  await tellPicPayTheTruth(steps, id, target, io);

  const send = async (step: Step) => {
    if (step.foundCharge) {
      await setSandboxCharge(target.picpaySandboxUrl!, id, step.foundCharge);
      io.out(`  ok  ${step.label}`);
      return true;
    }
    if (step.legacyStatus && target.picpaySandboxUrl) {
      const res = await fetch(`${target.picpaySandboxUrl}/_sandbox/payments/${encodeURIComponent(id)}`, {
        method: 'PUT',
        body: JSON.stringify({ status: step.legacyStatus, authorizationId: step.legacyStatus === 'created' ? null : `auth-${id}` }),
      });
      if (!res.ok) throw new CliError(`The PicPay sandbox refused the status: HTTP ${res.status}`);
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'axios/1.4.0' };
    const token = step.wrongToken ? 'not-the-token' : step.flavour === 'legacy' ? tokens.sellerToken : tokens.checkoutToken;
    if (step.flavour === 'legacy') headers['x-seller-token'] = token;
    else headers.authorization = token;
    if (step.eventType) headers['event-type'] = step.eventType;
    const started = performance.now();
    const res = await fetch(step.flavour === 'legacy' ? target.callbackUrl : target.webhookUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify(step.body),
    });
    await res.arrayBuffer();
    const ms = Math.round(performance.now() - started);
    io.out(`  ${res.status === step.expect ? 'ok ' : 'BAD'} ${step.label}: HTTP ${res.status} (${ms} ms)`);
    return res.status === step.expect;
  };

  const results: boolean[] = [];
  if (concurrent) {
    if (steps[0]!.legacyStatus) results.push(await send(steps[0]!));
    results.push(...(await Promise.all(steps.slice(steps[0]!.legacyStatus ? 1 : 0).map(send))));
  } else {
    for (const step of steps) results.push(await send(step));
  }
  const good = results.filter(Boolean).length;
  io.out(`Sent ${results.length}: ${good} answered as expected, ${results.length - good} not.`);
  if (expectation) io.out(`Expected final state: ${expectation}.`);
  if (name !== 'wrong-token') io.out(`Inspect it with: picpay-webhooks charge '${key}'`);
  return good === results.length ? 0 : 1;
}
