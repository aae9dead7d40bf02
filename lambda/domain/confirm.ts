import { hashOf, type Observation } from './observation.js';
import { compareLifecycle, phaseOf } from './status.js';

/**
 * PicPay's word, not the body's. PicPay's checkout webhook is unsigned and its token static: a
 * token that leaks (a Painel screenshot, a shared login, a log) lets anyone post a body that
 * says "PAID". So when the merchant gave us PicPay API credentials (OAuth2 client credentials),
 * a checkout, Pix or Payment Link notification that moves money or closes a charge is a claim:
 * we ask PicPay and apply what PicPay answers, never the body. Checkout and Pix are asked with
 * find-charge; a Payment Link with find-transactions, which lists every transaction of the link
 * (the payment and each refund). The legacy flavour always worked this way (its callback
 * carries no status at all).
 *
 * What is asked: statuses in the `money` and `closed` phases (paid, captured, partly or fully
 * refunded, chargeback, cancelled, expired), whose amounts come with them. Pending statuses,
 * attempts (authorized, denied, error), unrecognized values and 3DS results are applied as
 * sent: none of them moves money, and asking PicPay about each would double the calls for the
 * common case. A Payment Link notification can be asked about only when its link is known (the
 * body's `data.charge.paymentLinkId`, or the charge's); without it, it is applied as sent.
 */
export function needsConfirmation(claim: Observation): boolean {
  // A 3DS result or a registration carries no status.
  if (claim.flavour === 'legacy' || claim.status === null) return false;
  const phase = phaseOf(claim.status);
  return phase === 'money' || phase === 'closed';
}

export interface Confirmation {
  /** What is applied: PicPay's answer, carrying the notification's event type and request. */
  readonly observation: Observation;
  /**
   * Set when PicPay's answer is behind the claim (an earlier lifecycle step, or the same status
   * with another amount, or less refunded): a forged notification, a leaked token being tried,
   * or PicPay's own read lagging its webhook. Recorded, counted and alarmed.
   */
  readonly contradiction: string | null;
}

/**
 * `picpay` is the find-charge answer read for the claim's charge (`observeFoundCharge`). The
 * status and amounts applied are PicPay's, ordered by the time we asked (so no date in a body
 * can outrank it). The claim lends only its event type and request id, and its payment type
 * when PicPay did not contradict it.
 */
export function confirmClaim(claim: Observation, picpay: Observation): Confirmation {
  const contradiction = contradictionOf(claim, picpay);
  return {
    observation: {
      ...picpay,
      eventType: claim.eventType,
      requestId: claim.requestId,
      paymentType: contradiction === null ? (claim.paymentType ?? null) : null,
      confirmed: true,
      // The notification and the answer together: the same notification delivered again that
      // reads the same answer is a duplicate; another notification that reads it is recorded
      // (as "no change"), so every notification PicPay sent leaves its trace in the history.
      dedupeKey: hashOf(['confirmed', claim.dedupeKey, picpay.dedupeKey]),
    },
    contradiction,
  };
}

function contradictionOf(claim: Observation, picpay: Observation): string | null {
  const says = `the notification says ${claim.rawStatus}`;
  // A chargeback the merchant won: PicPay's paid (or refunded) status after a chargeback is the
  // dispute resolved since, not PicPay behind (find-charge gives no time to tell them apart, and a
  // forged chargeback gains nothing: PicPay's status is what is applied).
  if (claim.status === 'CHARGEBACK' && phaseOf(picpay.status!) === 'money') return null;
  const lifecycle = compareLifecycle(picpay.status!, claim.status!);
  if (lifecycle < 0) return `${says}, PicPay says ${picpay.rawStatus}`;
  // PicPay has moved on since: its amounts are of a later step, not comparable.
  if (lifecycle > 0) return null;
  const amount = [claim.amounts?.amount ?? null, picpay.amounts?.amount ?? null] as const;
  if (amount[0] !== null && amount[1] !== null && amount[0] !== amount[1]) {
    return `${says} of ${amount[0]} centavos, PicPay says ${picpay.rawStatus} of ${amount[1]}`;
  }
  const refunded = [claim.amounts?.refundedAmount ?? null, picpay.amounts?.refundedAmount ?? null] as const;
  if (refunded[0] !== null && refunded[1] !== null && refunded[0] > refunded[1]) {
    return `${says} with ${refunded[0]} centavos refunded, PicPay says ${refunded[1]}`;
  }
  // A Payment Link refund carries its own amount (the charge's refunded amount is their sum).
  const refund = [claim.refund?.amount ?? null, picpay.refund?.amount ?? null] as const;
  if (refund[0] !== null && refund[1] !== null && refund[0] !== refund[1]) {
    return `${says} of ${refund[0]} centavos, PicPay says ${picpay.rawStatus} of ${refund[1]}`;
  }
  return null;
}
