import type { ChargeState } from '../lambda/domain/charge.js';
import { type Io, table } from './io.js';
import { eachLine } from './terminal.js';
import { CliError, type Clients, type Target } from './target.js';

const brl = (cents: number | null | undefined) =>
  cents === null || cents === undefined ? '—' : `R$ ${(cents / 100).toLocaleString('pt-BR', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** `charge <key>`: the current state and history of one charge. */
export async function showCharge(key: string, json: boolean, target: Target, clients: Clients, io: Io): Promise<number> {
  if (!/^(legacy|checkout|paymentLink)#.+/.test(key)) {
    throw new CliError(`A charge key looks like legacy#<referenceId>, checkout#<merchantChargeId> or paymentLink#<payment id>, got "${key}"`);
  }
  const stored = await clients.stores.charges.load(key);
  if (!stored) {
    io.err(`No charge ${key} in ${target.name}.`);
    return 1;
  }
  const { state, version } = stored;
  if (json) {
    eachLine(JSON.stringify({ ...state, version }, null, 2), (line) => io.out(line));
    return 0;
  }
  for (const line of describeCharge(state)) io.out(line);
  return 0;
}

/** Most payments of one link shown: a link is paid a handful of times; more is not a lookup. */
const MAX_LINK_PAYMENTS = 1000;

/** `charge --payment-link <id>`: every payment of a Payment Link, oldest id first. */
export async function showLink(linkId: string, json: boolean, target: Target, clients: Clients, io: Io): Promise<number> {
  if (linkId.trim() === '') throw new CliError('--payment-link needs the link id PicPay gave when the link was created');
  const ids = await clients.stores.links.paymentsOf(linkId, MAX_LINK_PAYMENTS);
  const stored = (await Promise.all(ids.map((id) => clients.stores.charges.load(`paymentLink#${id}`)))).filter((c) => c !== null);
  if (stored.length === 0) {
    io.err(`No payment of Payment Link ${linkId} in ${target.name}.`);
    return 1;
  }
  if (json) {
    eachLine(
      JSON.stringify(
        stored.map(({ state, version }) => ({ ...state, version })),
        null,
        2,
      ),
      (line) => io.out(line),
    );
    return 0;
  }
  io.out(`Payment Link ${linkId}: ${stored.length} payment(s)`);
  for (const { state } of stored) for (const line of ['', ...describeCharge(state)]) io.out(line);
  return 0;
}

export function describeCharge(s: ChargeState): string[] {
  const a = s.amounts;
  const lines = [
    `Charge ${s.chargeKey}`,
    ...table([
      ['  status', `${s.status ?? '(none yet)'}${s.rawStatus ? ` (PicPay: ${s.rawStatus})` : ''}`],
      ['  amounts', a ? `${brl(a.amount)} · paid ${brl(a.paidAmount)} · refunded ${brl(a.refundedAmount)}` : '—'],
      ['  authorization', s.authorizationId ?? '—'],
      ...(s.paymentLinkId ? [['  payment link', s.paymentLinkId]] : []),
      ['  3DS', s.threeDs ? `${s.threeDs.status} (PARes ${s.threeDs.paresStatus ?? '—'}, ECI ${s.threeDs.eci ?? '—'})` : '—'],
      ['  created', s.createdAt],
      ['  updated', s.updatedAt],
      ['  unpublished', s.outbox.length === 0 ? 'none' : `${s.outbox.length} event(s) waiting to be published`],
    ]),
    '',
    `History (${s.history.length}, oldest first):`,
  ];
  const rows = s.history.map((h) => [
    `  ${h.recordedAt}`,
    h.outcome,
    h.kind === 'three_ds' ? '3DS result' : `${h.from ?? '∅'} → ${h.to ?? '∅'}`,
    h.eventType,
    h.reason ?? '',
  ]);
  return [...lines, ...(rows.length ? table(rows) : ['  (empty)'])];
}
