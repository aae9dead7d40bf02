import { terminalSafe } from '../cli/terminal.js';
import { PROBE_EVENT_TYPE } from '../lambda/domain/events.js';
import type { TappedEvent } from './pipeline.js';

/**
 * The line `npm start` prints for a published event: one line whatever the event holds (a
 * newline or an escape sequence in a value is shown as `\uXXXX`, cli/terminal.ts).
 */
export function eventLine(event: TappedEvent): string {
  const b = event.body as Record<string, string | null>;
  if (b.type === PROBE_EVENT_TYPE) return terminalSafe(`[probe] ${b.flavour}  probeId=${b.probeId}  (picpay-webhooks doctor; not a charge)`);
  const what =
    b.type === 'picpay.charge.three_ds_updated'
      ? `3DS ${JSON.stringify((b.threeDs as unknown as { status: string })?.status)}`
      : `${b.previousStatus ?? '∅'} → ${b.status}`;
  return terminalSafe(`[event] ${b.chargeKey}  ${what}  transitionId=${b.transitionId}`);
}
