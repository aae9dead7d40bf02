/** PicPay's own examples (../shared/seeds), used across the tests. */
import type { Envelope } from '../lambda/domain/envelope.js';

export const SELLER_TOKEN = '4ef4edbd-5cda-42da-860b-0e8d7b90c784';
export const CHECKOUT_TOKEN = 'a45c2dee-6435-1234-5678-b2a5f0ae7a8a';
export const PICPAY_TOKEN = 'local-picpay-token';

export const LEGACY_CALLBACK = { referenceId: '102030', authorizationId: '555008cef7f321d00ef236333' };

export const CHARGE_ID = '61e35ec2-caa8-4598-bed5-d43e25e14151';

export function paymentEvent(overrides: { status?: string; eventDate?: string; amount?: number; refundedAmount?: number; merchantChargeId?: string } = {}) {
  return {
    type: 'PAYMENT',
    eventDate: overrides.eventDate ?? '2024-07-01T16:00:00-03:00',
    merchantDocument: '123456789012',
    id: '21b91897-a897-49bc-b16e-6256f0bf2368',
    merchantCode: '1234',
    data: {
      status: overrides.status ?? 'AUTHORIZED',
      amount: overrides.amount ?? 10000,
      originalAmount: 10000,
      refundedAmount: overrides.refundedAmount ?? 0,
      customer: { document: '123456789', documentType: 'CPF', email: 'pessoa.silva@email.com', name: 'Pessoa Da Silva' },
      merchantChargeId: overrides.merchantChargeId ?? CHARGE_ID,
      smartCheckoutId: null,
      paymentSource: 'GATEWAY',
      lateCapture: false,
      transactions: [
        {
          paymentType: 'WALLET',
          transactionId: '07bef486-8d86-41b8-804b-f68e343a1791',
          status: 'CAPTURED',
          amount: 10000,
          createdAt: '2024-07-01T16:00:00-03:00',
          updatedAt: '2024-07-01T16:01:00-03:00',
          wallet: { expiresAt: '2024-07-01T16:04:00-03:00', qrCode: 'xpto', qrCodeBase64: 'xpto in base64' },
        },
      ],
    },
  };
}

export const THREE_DS_EVENT = {
  type: 'THREE_DS_CHALLENGE',
  merchantDocument: '123456789012',
  id: '21b91897-a897-49bc-b16e-6256f0bf2368',
  merchantCode: '72425145000145',
  data: {
    status: 'Approved',
    paresStatus: 'Y',
    eciRaw: '05',
    merchantChargeId: CHARGE_ID,
    chargeId: 'bac0ffd7-e4cb-48c7-9f3e-a05ff7eb40a1',
  },
};

let counter = 0;
export function envelope(partial: Partial<Envelope> & Pick<Envelope, 'flavour' | 'body'>): Envelope {
  counter += 1;
  return {
    v: 1,
    eventType: null,
    receivedAt: '2024-07-01T19:00:05.000Z',
    requestId: `req-${counter}`,
    ...partial,
  };
}
