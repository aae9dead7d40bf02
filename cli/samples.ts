/** Notification bodies shaped like PicPay's own examples (../shared/seeds), for the banner and `simulate`. */

export const EXAMPLE_CHARGE_ID = '61e35ec2-caa8-4598-bed5-d43e25e14151';

export function paymentBody(
  options: {
    chargeId?: string;
    status?: string;
    eventDate?: string;
    amount?: number;
    refundedAmount?: number;
    /** Adds one transaction of this type (`PIX`: a Pix QR code charge). */
    paymentType?: 'PIX' | 'WALLET' | 'CREDIT';
  } = {},
) {
  const amount = options.amount ?? 10000;
  const eventDate = options.eventDate ?? '2024-07-01T16:00:00-03:00';
  // A Pix transaction mirrors the webhook example's wallet one (QR code, copy-and-paste, expiry).
  const transactions = options.paymentType
    ? [
        {
          paymentType: options.paymentType,
          transactionId: '07bef486-8d86-41b8-804b-f68e343a1791',
          status: options.status ?? 'AUTHORIZED',
          amount,
          createdAt: eventDate,
          updatedAt: eventDate,
          ...(options.paymentType === 'PIX' ? { pix: { qrCode: '00020126580014br.gov.bcb.pix', qrCodeBase64: 'cXJjb2Rl', expiresAt: eventDate } } : {}),
        },
      ]
    : undefined;
  return {
    type: 'PAYMENT',
    eventDate,
    merchantDocument: '123456789012',
    id: '21b91897-a897-49bc-b16e-6256f0bf2368',
    merchantCode: '1234',
    data: {
      status: options.status ?? 'AUTHORIZED',
      amount,
      originalAmount: amount,
      refundedAmount: options.refundedAmount ?? 0,
      merchantChargeId: options.chargeId ?? EXAMPLE_CHARGE_ID,
      paymentSource: 'GATEWAY',
      lateCapture: false,
      ...(transactions ? { transactions } : {}),
    },
  };
}

/**
 * A Payment Link webhook body (header `event_type: TransactionPaymentMessage`): the fields its
 * page documents, under `data.transaction`, with the top-level `type` and the
 * `data.charge.paymentLinkId` integrators receive. A refund is its own transaction whose
 * `originalTransactionId` is the payment's `id`.
 */
export function paymentLinkBody(options: {
  id: string;
  originalTransactionId?: string | null;
  status: string;
  amount: number;
  paymentType?: string;
  paymentLinkId?: string;
}) {
  return {
    type: options.originalTransactionId ? 'REFUND' : 'PAYMENT',
    data: {
      ...(options.paymentLinkId ? { charge: { paymentLinkId: options.paymentLinkId } } : {}),
      transaction: {
        id: options.id,
        originalTransactionId: options.originalTransactionId ?? null,
        status: options.status,
        amount: options.amount,
        paymentType: options.paymentType ?? 'PIX',
      },
    },
  };
}

export function threeDsBody(options: { chargeId?: string; status?: string } = {}) {
  const approved = (options.status ?? 'Approved') === 'Approved';
  return {
    type: 'THREE_DS_CHALLENGE',
    merchantDocument: '123456789012',
    id: '21b91897-a897-49bc-b16e-6256f0bf2368',
    merchantCode: '1234',
    data: {
      status: options.status ?? 'Approved',
      paresStatus: approved ? 'Y' : 'N',
      eciRaw: approved ? '05' : '07',
      merchantChargeId: options.chargeId ?? EXAMPLE_CHARGE_ID,
      chargeId: 'bac0ffd7-e4cb-48c7-9f3e-a05ff7eb40a1',
    },
  };
}
