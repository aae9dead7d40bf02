import { TZDate } from '@date-fns/tz';

/** PicPay is in Brazil: a date-time it sends without an offset is Sao Paulo wall-clock time. */
export const PICPAY_TIME_ZONE = 'America/Sao_Paulo';

const ZONED = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

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
  const zoned = ZONED.exec(s);
  if (zoned) {
    const offset = zoned[3]!.toUpperCase() === 'Z' ? 'Z' : zoned[3]!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2');
    const ms = Date.parse(`${zoned[1]}T${zoned[2]}${offset}`);
    return Number.isNaN(ms) ? null : ms;
  }
  const local = LOCAL.exec(s);
  if (!local) return null;
  const [, y, mo, d, h, mi, sec, frac] = local;
  const parts = [y, mo, d, h, mi, sec ?? '0'].map(Number) as [number, number, number, number, number, number];
  const ms = Number(((frac ?? '') + '000').slice(0, 3));
  const date = new TZDate(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], ms, PICPAY_TIME_ZONE);
  // TZDate rolls impossible values over (month 13, 31 February); an impossible date is no date.
  const back = new TZDate(date.getTime(), PICPAY_TIME_ZONE);
  const same = back.getFullYear() === parts[0] && back.getMonth() === parts[1] - 1 && back.getDate() === parts[2] && back.getHours() === parts[3] && back.getMinutes() === parts[4];
  return same ? date.getTime() : null;
}
