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
