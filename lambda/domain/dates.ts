import { TZDate } from '@date-fns/tz';

/** PicPay is in Brazil: a date-time it sends without an offset is Sao Paulo wall-clock time. */
export const PICPAY_TIME_ZONE = 'America/Sao_Paulo';

const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?$/;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Milliseconds since the epoch of an ISO 8601 date-time as PicPay writes it, or null when the
 * value is missing or not an ISO 8601 date-time. With an offset (or `Z`) it is read as written;
 * without one it is read in America/Sao_Paulo, so a laptop and Lambda (UTC) read it alike.
 * The zone rules come from the tz database through @date-fns/tz (Brazil's old daylight saving
 * time included), not from a fixed -03:00.
 */
export function picpayTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (ZONED.test(s)) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? null : ms;
  }
  const local = LOCAL.exec(s);
  if (!local) return null;
  const [y, mo, d, h, mi, sec] = local.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new TZDate(y, mo - 1, d, h, mi, sec, Number((local[7] ?? '').padEnd(3, '0')), PICPAY_TIME_ZONE);
  // TZDate rolls impossible values over (31 February, 25:00) and skips the hour clocks jumped
  // over: a wall-clock time that does not come back as written is no date.
  const back = new TZDate(date.getTime(), PICPAY_TIME_ZONE);
  const written = `${back.getFullYear()}-${pad(back.getMonth() + 1)}-${pad(back.getDate())} ${pad(back.getHours())}:${pad(back.getMinutes())}`;
  return written === `${local[1]}-${local[2]}-${local[3]} ${local[4]}:${local[5]}` ? date.getTime() : null;
}

/**
 * How far ahead of its receipt a notification's own date may be: PicPay's clock and ours may
 * disagree by a few seconds, never by minutes.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The time a notification is ordered by: the date PicPay wrote in it, unless that date is later
 * than the notification's receipt by more than the skew. Such a date (a `PAID` dated 2999, a
 * PicPay clock bug) would outrank everything that comes after it; it is ordered by its receipt
 * instead, and flagged.
 */
export function notificationTime(picpayMs: number | null, receivedAtMs: number): { readonly atMs: number; readonly futureDated: boolean } {
  if (picpayMs === null) return { atMs: receivedAtMs, futureDated: false };
  if (picpayMs > receivedAtMs + MAX_CLOCK_SKEW_MS) return { atMs: receivedAtMs, futureDated: true };
  return { atMs: picpayMs, futureDated: false };
}
