import { describeEvent } from '../cli/events.js';
import type { TappedEvent } from './pipeline.js';

/**
 * The line `npm start` prints for a published event: one line whatever the event holds (a
 * newline or an escape sequence in a value is shown as `\uXXXX`, cli/terminal.ts); the same
 * line `picpay-webhooks events tail` prints.
 */
export function eventLine(event: Pick<TappedEvent, 'body' | 'attributes'>): string {
  return describeEvent(event.body);
}
