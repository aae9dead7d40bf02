/**
 * Builds the notifications the decision tables describe, as PicPay would send them, and turns
 * them into observations through the production parsers (the parsers are under test too).
 */
import type { Envelope } from '../../lambda/domain/envelope.js';
import {
  type Observation,
  observeCheckout,
  observeLegacy,
  observeRegistration,
  observeWebhook,
  parseCheckout,
  parseWebhook,
  parseLegacyCallback,
  parseRegistration,
} from '../../lambda/domain/observation.js';
import { CHARGE_ID, paymentEvent, THREE_DS_EVENT } from '../picpay-examples.support.js';

export const REFERENCE_ID = '102030';
let counter = 0;

function env(flavour: Envelope['flavour'], body: unknown, receivedAt: string, eventType: string | null = null): Envelope {
  counter += 1;
  return { v: 1, flavour, eventType, receivedAt, requestId: `spec-${counter}`, body: JSON.stringify(body) };
}

/** A value as the tables write it: `10000` a number, `"10000"` a JSON string. */
export function written(value: string): unknown {
  return value.startsWith('"') ? JSON.parse(value) : Number(value);
}

/**
 * A PAYMENT body as a table row writes it (`eventDate`, `amount`, `refunded` null: absent). The
 * tables' charges are card charges (`paymentType` `CREDIT`, checkout.md) unless a row says otherwise.
 */
export function tablePaymentBody(
  raw: string,
  eventDate: string | null,
  amount: string | null,
  refunded: string | null,
  merchantChargeId = CHARGE_ID,
  paymentType = 'CREDIT',
) {
  const body = paymentEvent({ status: raw, merchantChargeId }) as Record<string, unknown> & { data: Record<string, unknown> };
  const [first] = body.data.transactions as Record<string, unknown>[];
  body.data.transactions = [{ ...first, paymentType }];
  if (eventDate === null) delete body.eventDate;
  else body.eventDate = eventDate;
  if (amount === null) delete body.data.amount;
  else body.data.amount = written(amount);
  if (refunded === null) delete body.data.refundedAmount;
  else body.data.refundedAmount = written(refunded);
  return body;
}

export function checkoutPayment(
  raw: string,
  eventDate: string | null,
  receivedAt: string,
  amount: string | null = '10000',
  refunded: string | null = '0',
  merchantChargeId = CHARGE_ID,
  paymentType = 'CREDIT',
): Observation {
  const e = env('checkout', tablePaymentBody(raw, eventDate, amount, refunded, merchantChargeId, paymentType), receivedAt, 'TransactionUpdateMessage');
  return observeCheckout(e, parseCheckout(e), Date.parse(receivedAt));
}

export const PAYMENT_TX = '5f2d7a4e-0b1c-4d3e-9f80-1a2b3c4d5e6f';

/**
 * A Payment Link notification as its webhook page describes it (`data.transaction`). The table's
 * fixed transactions: the payment, a partial refund of 2500 and a full refund of 10000.
 */
export function paymentLinkNotification(
  status: string,
  eventDate: string,
  tx: { id?: string; original?: string | null; amount?: number } = {},
  header: string | null = 'TransactionPaymentMessage',
): Observation {
  const upper = status.toUpperCase();
  const defaults =
    upper === 'PARTREFUNDED'
      ? { id: 'b7e1c2d3-0000-4000-8000-000000002500', original: PAYMENT_TX, amount: 2500 }
      : upper === 'REFUNDED'
        ? { id: 'b7e1c2d3-0000-4000-8000-000000010000', original: PAYMENT_TX, amount: 10000 }
        : { id: PAYMENT_TX, original: null, amount: 10000 };
  const t = { ...defaults, ...tx };
  const body = {
    eventDate,
    data: { transaction: { id: t.id, originalTransactionId: t.original, status, amount: t.amount, paymentType: 'PIX' } },
  };
  const e = env('checkout', body, eventDate, header);
  return observeWebhook(e, parseWebhook(e), Date.parse(eventDate));
}

export function checkoutThreeDs(status: string, receivedAt: string): Observation {
  const e = env('checkout', { ...THREE_DS_EVENT, data: { ...THREE_DS_EVENT.data, status } }, receivedAt, 'Challenge3dsUpdateMessage');
  return observeCheckout(e, parseCheckout(e), Date.parse(receivedAt));
}

/**
 * A legacy callback for which PicPay's status API answered `raw` at `readAt` (amounts in reais),
 * with its undocumented `updatedAt` when given.
 */
export function legacyRead(
  raw: string,
  readAt: string,
  amount: string | null = null,
  refunded: string | null = null,
  updatedAt: string | null = null,
): Observation {
  const e = env('legacy', { referenceId: REFERENCE_ID }, readAt);
  const summary = amount === null ? undefined : { authorized: written(amount), paid: written(amount), refunded: refunded === null ? null : written(refunded) };
  return observeLegacy(
    e,
    parseLegacyCallback(e),
    { status: raw, ...(summary ? { summary } : {}), ...(updatedAt === null ? {} : { updatedAt }) },
    Date.parse(readAt),
  );
}

export function registration(receivedAt: string): Observation {
  const e = env('legacy', { referenceId: REFERENCE_ID }, receivedAt, 'Registration');
  return observeRegistration(e, parseRegistration(e), Date.parse(receivedAt));
}

/** A scenario step's `send` column as an observation. */
export function fromStep(step: { send: string; eventDate: string | null; received: string; amount: string | null; refunded: string | null }): Observation {
  const [kind, value] = step.send.split(' ') as [string, string | undefined];
  switch (kind) {
    case 'PAYMENT':
      return checkoutPayment(value!, step.eventDate, step.received, step.amount, step.refunded);
    case '3DS':
      return checkoutThreeDs(value!, step.received);
    case 'legacy':
      // A legacy row's eventDate column is the status answer's `updatedAt` (legacy.md).
      return legacyRead(value!, step.received, step.amount, step.refunded, step.eventDate);
    case 'REGISTER':
      return registration(step.received);
    default:
      throw new Error(`unknown send ${step.send}`);
  }
}

export const CHECKOUT_CHARGE_KEY = `checkout#${CHARGE_ID}`;
