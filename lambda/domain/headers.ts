import type { Flavour } from './flavour.js';

/** Header that carries each flavour's token. */
export const TOKEN_HEADER: Readonly<Record<Flavour, string>> = {
  legacy: 'x-seller-token',
  checkout: 'authorization',
};

/** Header names arrive in any case; this gives a lower-cased view of them. */
export type HeaderMap = Readonly<Record<string, string>>;

export function normalizeHeaders(headers: Readonly<Record<string, string | undefined>> | null | undefined): HeaderMap {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  }
  return out;
}
