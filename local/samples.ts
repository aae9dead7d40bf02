/** Notification bodies shaped like PicPay's own examples (../shared/seeds), for the banner and `simulate`. */

export const EXAMPLE_CHARGE_ID = '61e35ec2-caa8-4598-bed5-d43e25e14151';

export function paymentBody(options: {
  chargeId?: string;
  status?: string;
  eventDate?: string;
  amount?: number;
  refundedAmount?: number;
} = {}) {
  const amount = options.amount ?? 10000;
  return {
    type: 'PAYMENT',
    eventDate: options.eventDate ?? '2024-07-01T16:00:00-03:00',
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
