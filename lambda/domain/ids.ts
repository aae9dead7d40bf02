/**
 * A charge id goes into PicPay's API path as one segment (`/payments/{referenceId}/status`,
 * `/charge/{merchantChargeId}`), percent-encoded. Some ids cannot be one: `.` and `..` survive
 * the encoding and move the request to another path when the URL is normalized; an unpaired
 * surrogate makes encodeURIComponent throw (a retry fails the same way, for a day); control
 * characters (C0, DEL, C1) are no id PicPay issues and would reach logs and terminals. Such an
 * id is a notification that can never be processed: the schemas refuse it, so it is parked.
 */
/** Why `id` cannot be a URL path segment, or null when it can. */
export function pathSegmentProblem(id: string): string | null {
  if (id === '.' || id === '..') return 'a dot segment';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) return 'a control character';
  // With the u flag a surrogate pair is one code point: only an unpaired half is \p{Cs}.
  if (/\p{Cs}/u.test(id)) return 'an unpaired surrogate';
  return null;
}

/** The message a refused id is parked (or answered 400) with; it never repeats the id. */
export function pathSegmentMessage(id: string): string {
  return `cannot be a URL path segment (${pathSegmentProblem(id)})`;
}
